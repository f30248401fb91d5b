# The persistent sending queue's on-disk format (collector/diskqueue):
# framing, recovery of torn/corrupt files, read position, segment
# deletion, the size bound and a refused write (RLIMIT_FSIZE); the writer
# thread and group commit (fdatasync count, wake-up, a refused group).
otlpd_unit_test(test_diskqueue otlpd_diskqueue)
otlpd_unit_test(test_diskqueue_group otlpd_diskqueue)
