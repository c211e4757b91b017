package cache

// Disk reads from disk, fanning out over two shards.
type Disk struct{}

func (d *Disk) Load(key string) []byte {
	out := make(chan []byte, 2)
	for i := 0; i < 2; i++ {
		go func() { out <- []byte(key) }()
	}
	return append(<-out, <-out...)
}

// Memory reads from memory.
type Memory struct{}

func (m *Memory) Load(key string) []byte {
	return []byte(key)
}
