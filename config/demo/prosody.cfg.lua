-- A private Prosody 0.12 for `xlattice demo`, rendered by bin/demo/prosody.ts (dollar-brace
-- placeholders). Everything it writes lives under the demo's data directory; it listens on
-- loopback only, on free ports the demo picked, and never meets a system instance.

-- Prosody refuses to start as root without this; it changes nothing for other users.
run_as_root = true
data_path = ${DATA_PATH}
pidfile = ${PID_FILE}
-- Must exist even though no TLS is used, or startup fails.
certificates = ${CERT_DIR}
plugin_paths = { }
installer_plugin_path = ${PLUGIN_DIR}
log = { info = ${LOG_FILE} }

interfaces = { "127.0.0.1" }
c2s_ports = { ${C2S_PORT} }
component_ports = { ${COMPONENT_PORT} }
component_interfaces = { "127.0.0.1" }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
s2s_ports = { }
https_ports = { }

-- XMPP over WebSocket for browser clients (Converse.js): ws://127.0.0.1:HTTP_PORT/xmpp-websocket.
-- No TLS on loopback, but the browser must still be allowed to log in. Prosody 0.12 accepts
-- WebSocket connections from pages of any origin (its cross_domain_websocket is deprecated).
http_ports = { ${HTTP_PORT} }
http_interfaces = { "127.0.0.1" }
-- Requests arrive with Host 127.0.0.1:PORT; serve them as this server's domain.
http_default_host = ${HOST}
consider_websocket_secure = true

-- posix writes the pidfile and turns SIGTERM into a clean shutdown; it does not fork under -F.
-- offline keeps messages for users who are not connected (autoloaded; named so it is plain).
modules_enabled = {
  "roster"; "saslauth"; "disco"; "ping"; "carbons"; "smacks"; "posix"; "offline";
  "http"; "websocket";
}
modules_disabled = { "s2s"; "s2s_auth_certs" }

-- Plain connections on loopback: no certificates to make, any client logs in (PLAIN or SCRAM).
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"

VirtualHost ${HOST}

-- The demo node attached to this server (XEP-0114).
Component ${COMPONENT_DOMAIN}
  component_secret = ${COMPONENT_SECRET}
