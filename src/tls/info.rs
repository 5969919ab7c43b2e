//! What a TLS handshake agreed, for the handler (telnetlib3's `get_extra_info("ssl_object")`).

/// What the TLS handshake of a connection agreed: the protocol version, the cipher suite, the
/// server name (SNI) and the peer's certificates. A snapshot taken when the handshake ended.
///
/// ```no_run
/// # fn handler(conn: ironboa::ServerConnection) {
/// match conn.tls_info() {
///     Some(tls) => conn.send(&format!("Ready (secure: {}).\n", tls.protocol_version())).ok(),
///     None => conn.send("Ready.\n").ok(),
/// };
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TlsInfo {
    version: String,
    cipher_suite: String,
    server_name: Option<String>,
    peer_certificates: Vec<Vec<u8>>,
}

impl TlsInfo {
    pub(super) fn from_connection(connection: &rustls::Connection) -> TlsInfo {
        let version = match connection.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
            Some(other) => format!("{other:?}"),
            None => String::new(),
        };
        let cipher_suite = connection
            .negotiated_cipher_suite()
            .map(|suite| {
                let suite = suite.suite();
                suite
                    .as_str()
                    .map_or_else(|| format!("{suite:?}"), str::to_owned)
            })
            .unwrap_or_default();
        let server_name = match connection {
            rustls::Connection::Server(server) => server.server_name().map(str::to_owned),
            rustls::Connection::Client(_) => None,
        };
        let peer_certificates = connection
            .peer_certificates()
            .map(|chain| chain.iter().map(|c| c.as_ref().to_vec()).collect())
            .unwrap_or_default();
        TlsInfo {
            version,
            cipher_suite,
            server_name,
            peer_certificates,
        }
    }

    /// Records the name a client asked for (rustls keeps it only on the server's side).
    pub(crate) fn with_server_name(mut self, name: Option<String>) -> TlsInfo {
        if self.server_name.is_none() {
            self.server_name = name;
        }
        self
    }

    /// The protocol version, named as Python's `ssl` names it: `"TLSv1.3"` or `"TLSv1.2"`.
    pub fn protocol_version(&self) -> &str {
        &self.version
    }

    /// The cipher suite, as rustls names it: `"TLS13_AES_256_GCM_SHA384"`,
    /// `"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"`, ...
    pub fn cipher_suite(&self) -> &str {
        &self.cipher_suite
    }

    /// The server name (SNI): on a server, the name the client asked for, if it sent one; on
    /// a client, the DNS name it sent.
    pub fn server_name(&self) -> Option<&str> {
        self.server_name.as_deref()
    }

    /// The peer's certificate (DER): a server's always; a client's when the server asks for
    /// one (`TlsServerConfig::from_pem_files_with_client_auth`) and it sent one.
    pub fn peer_certificate(&self) -> Option<&[u8]> {
        self.peer_certificates.first().map(Vec::as_slice)
    }

    /// The peer's whole chain as it sent it (DER), its own certificate first.
    pub fn peer_certificate_chain(&self) -> &[Vec<u8>] {
        &self.peer_certificates
    }

    /// [`peer_certificate`](Self::peer_certificate) in PEM (`-----BEGIN CERTIFICATE-----`).
    pub fn peer_certificate_pem(&self) -> Option<String> {
        self.peer_certificate().map(pem_certificate)
    }

    /// telnetlib3's (asyncio's) `get_extra_info` names: `"ssl_object"` (present when the
    /// connection is TLS; here its protocol version), `"cipher"`, `"server_hostname"` and
    /// `"peercert"` (PEM).
    pub(crate) fn extra_info(&self, name: &str) -> Option<String> {
        match name {
            "ssl_object" | "tls_version" => Some(self.version.clone()),
            "cipher" => Some(self.cipher_suite.clone()),
            "server_hostname" | "server_name" => self.server_name.clone(),
            "peercert" => self.peer_certificate_pem(),
            _ => None,
        }
    }
}

impl std::fmt::Debug for TlsInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let chain: Vec<usize> = self.peer_certificates.iter().map(Vec::len).collect();
        f.debug_struct("TlsInfo")
            .field("version", &self.version)
            .field("cipher_suite", &self.cipher_suite)
            .field("server_name", &self.server_name)
            .field("peer_certificate_lengths", &chain)
            .finish()
    }
}

/// DER as a PEM certificate block: base64 in lines of 64.
fn pem_certificate(der: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut base64 = Vec::with_capacity(der.len().div_ceil(3) * 4);
    for group in der.chunks(3) {
        let bytes = [
            group[0],
            *group.get(1).unwrap_or(&0),
            *group.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(bytes[0]) << 16) | (u32::from(bytes[1]) << 8) | u32::from(bytes[2]);
        for i in 0..4 {
            if i <= group.len() {
                base64.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]);
            } else {
                base64.push(b'=');
            }
        }
    }
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in base64.chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use super::pem_certificate;

    #[test]
    fn pem_is_base64_with_padding() {
        assert_eq!(
            pem_certificate(b"hello"),
            "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n"
        );
        assert!(pem_certificate(b"hi!").contains("\naGkh\n"));
        assert!(pem_certificate(b"h").contains("\naA==\n"));
    }
}
