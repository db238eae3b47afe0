"""Runs over files: one output (`jobs.run_extract`, resumable), one output per input file and `--shard i/N`
(`shards.run_shard`), Ray Data (`distributed`, needs `claimx[ray]`), and what `claimx show` renders (`show`)."""
