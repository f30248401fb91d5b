# Authenticator extensions: token and htpasswd parsing, hash checks, the
# server-side check with a fake header source.
otlpd_unit_test(test_auth_extensions otlpd_ext_bearertokenauth otlpd_ext_basicauth)
