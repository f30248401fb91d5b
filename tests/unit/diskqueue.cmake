# The persistent sending queue's on-disk format (collector/diskqueue):
# framing, recovery of torn/corrupt files, read position, segment
# deletion, the size bound and a refused write (RLIMIT_FSIZE).
otlpd_unit_test(test_diskqueue otlpd_diskqueue)
