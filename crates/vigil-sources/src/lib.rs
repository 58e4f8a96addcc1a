//! Collectors: watched directories, S3-compatible object storage, syslog (UDP, TCP, TLS).
