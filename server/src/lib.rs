//! gohazard: finds concurrency and resource hazards in Go code as you type.
//!
//! See `docs/architecture.md` for the code map. In short: [`analysis`] turns text and a syntax tree
//! into findings with byte ranges; [`rules`] holds the checks; [`text`] converts byte offsets into
//! positions; [`lsp`] and [`cli`] are the two front ends, and the only code that talks to the
//! outside world.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod analysis;
pub mod cli;
pub mod config;
pub mod endpoints;
pub mod gomod;
pub mod lsp;
pub mod rules;
pub mod text;
pub mod walk;
