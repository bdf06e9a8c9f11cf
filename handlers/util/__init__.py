"""Small pieces the rest share: token buckets, periodic jobs, closing sockets promptly."""
