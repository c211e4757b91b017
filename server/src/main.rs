//! The `gohazard` binary: a language server (`gohazard lsp`) and a checker (`gohazard check`).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "gohazard", version, about = "Finds concurrency and resource hazards in Go code, as you type.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the language server on standard input and output.
    Lsp {
        /// Accepted and ignored: some clients (VS Code's) always pass it.
        #[arg(long)]
        stdio: bool,
    },
    /// Check Go files and directories; exit 0 when clean, 1 when hazards are found, 2 on errors.
    Check(gohazard::cli::CheckArgs),
    /// List the rules.
    Rules,
    /// Print a rule's documentation, or with --endpoints the amplification report of a service.
    Explain {
        /// A rule id as listed by `gohazard rules`; with --endpoints, the files and directories to
        /// report on (default: .).
        args: Vec<String>,
        /// Report every route: how many times the chain runs its handler, the goroutines one
        /// request starts, how long they may live, and the hazards on the way.
        #[arg(long)]
        endpoints: bool,
        /// With --endpoints: estimate live goroutines at this many requests per second.
        #[arg(long, requires = "endpoints")]
        rps: Option<f64>,
        /// With --rps: live goroutines above this are flagged, and the exit status is 1.
        #[arg(long, default_value_t = 10_000.0, requires = "rps")]
        budget: f64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = if matches!(cli.command, Command::Lsp { .. }) { "info" } else { "warn" };
    // Logs go to stderr: in the language server, stdout belongs to JSON-RPC.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GOHAZARD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .init();
    match cli.command {
        Command::Lsp { stdio: _ } => gohazard::lsp::run(),
        Command::Check(args) => gohazard::cli::check(&args),
        Command::Rules => gohazard::cli::list_rules(),
        Command::Explain { args, endpoints: true, rps, budget } => gohazard::cli::explain_endpoints(&args, rps, budget),
        Command::Explain { args, endpoints: false, .. } => match args.as_slice() {
            [rule] => gohazard::cli::explain(rule),
            _ => gohazard::cli::usage_error("explain takes one rule id (or --endpoints [PATH...])"),
        },
    }
}
