-- Private Prosody 0.12 for one test run, rendered by test/harness/prosody.ts (dollar-brace placeholders).
-- Everything it writes lives under its temp dir, which the harness removes on stop().

-- CI runs as root; Prosody refuses to start as root without this.
run_as_root = true
data_path = ${DATA_PATH}
pidfile = ${PID_FILE}
-- Must exist even without TLS, or startup fails; holds <domain>.crt/.key with the tls option.
certificates = ${CERT_DIR}
plugin_paths = { }
installer_plugin_path = ${PLUGIN_DIR}
log = { ${LOG_LEVEL} = ${LOG_FILE} }

-- Loopback only, free ports chosen by the harness; nothing that could meet a system instance.
interfaces = { "127.0.0.1" }
c2s_ports = { ${C2S_PORT} }
component_ports = { ${COMPONENT_PORT} }
component_interfaces = { "127.0.0.1" }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
s2s_ports = { }
https_ports = { }
${HTTP}

-- posix writes the pidfile and turns SIGTERM into a clean shutdown; it does not fork under -F.
modules_enabled = { ${MODULES} }
modules_disabled = { "s2s"; "s2s_auth_certs" }

-- Plain-text auth on loopback: SCRAM costs ~1 s per login in @xmpp/client's pure-JS PBKDF2.
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"

${HOSTS}

-- Options.extraConfig: more sections (a MUC Component, ...); start with Host "*" for global options.
${EXTRA}
