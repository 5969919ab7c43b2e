//! The TLS configurations a server and a client take, with certificates, keys and CAs read from
//! PEM files by rustls-pki-types.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use super::{provider, tls_reason};
use crate::error::{Error, Result, TlsError};
use crate::session::PeerAddress;

/// How long a handshake may take by default (10 s), from the first byte to the last.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long TLS-auto waits for a first byte by default (0.5 s, telnetlib3's `--tls-auto`).
pub const DEFAULT_AUTO_TIMEOUT: Duration = Duration::from_millis(500);

fn config_error(what: impl fmt::Display) -> Error {
    Error::Tls {
        reason: TlsError::Config(what.to_string()),
    }
}

fn rustls_config_error(error: &rustls::Error) -> Error {
    config_error(tls_reason(error))
}

/// Every certificate in a PEM file (`CERTIFICATE` sections), in order.
fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(|certificates| certificates.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| config_error(format_args!("{}: {e}", path.display())))?;
    if certificates.is_empty() {
        return Err(config_error(format_args!(
            "{}: no certificate in the file",
            path.display()
        )));
    }
    Ok(certificates)
}

/// The first private key in a PEM file (PKCS#8, PKCS#1 or SEC1).
fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| config_error(format_args!("{}: {e}", path.display())))
}

/// A root store with every certificate of a PEM file as a trust anchor.
fn read_roots(path: &Path) -> Result<rustls::RootCertStore> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in read_certificates(path)? {
        roots
            .add(certificate)
            .map_err(|e| config_error(format_args!("{}: {e}", path.display())))?;
    }
    Ok(roots)
}

// ----- the server -----

/// A server's TLS: its certificate and key, TLS-auto, and the handshake's deadline. Hand it to
/// [`ServerConfig::tls`](crate::ServerConfig::tls).
///
/// ```no_run
/// use std::time::Duration;
/// use ironboa::{ServerConfig, tls::TlsServerConfig};
///
/// let tls = TlsServerConfig::from_pem_files("cert.pem", "key.pem")?
///     .tls_auto(Some(Duration::from_millis(500)));   // TLS and plain Telnet on one port
/// let config = ServerConfig::default().tls(tls);
/// # let _ = config;
/// # Ok::<(), ironboa::Error>(())
/// ```
#[derive(Clone)]
pub struct TlsServerConfig {
    rustls: Arc<rustls::ServerConfig>,
    auto: Option<Duration>,
    handshake_timeout: Duration,
}

impl TlsServerConfig {
    /// The certificate chain (leaf first) and private key from PEM files, as telnetlib3-server's
    /// `--ssl-certfile` and `--ssl-keyfile`. TLS 1.2 and 1.3, no client certificates.
    /// A file that cannot be read, holds no certificate or key, or a key that does not match
    /// the certificate, is [`Error::Tls`] with [`TlsError::Config`].
    pub fn from_pem_files(
        certificate: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<TlsServerConfig> {
        let chain = read_certificates(certificate.as_ref())?;
        let key = read_key(key.as_ref())?;
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| rustls_config_error(&e))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| rustls_config_error(&e))?;
        Ok(TlsServerConfig::from_rustls(Arc::new(config)))
    }

    /// [`from_pem_files`](Self::from_pem_files), and clients must present a certificate
    /// issued by one of the CAs in `client_ca` (a PEM file); the handler finds it in
    /// [`TlsInfo::peer_certificate`](super::TlsInfo::peer_certificate). A client without one
    /// fails the handshake ([`TlsError::NoCertificate`] on the server's side).
    pub fn from_pem_files_with_client_auth(
        certificate: impl AsRef<Path>,
        key: impl AsRef<Path>,
        client_ca: impl AsRef<Path>,
    ) -> Result<TlsServerConfig> {
        let chain = read_certificates(certificate.as_ref())?;
        let key = read_key(key.as_ref())?;
        let roots = read_roots(client_ca.as_ref())?;
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .map_err(|e| config_error(format_args!("client CA: {e}")))?;
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| rustls_config_error(&e))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .map_err(|e| rustls_config_error(&e))?;
        Ok(TlsServerConfig::from_rustls(Arc::new(config)))
    }

    /// Any rustls server configuration (see [`rustls`](super::rustls), re-exported): SNI
    /// certificate resolvers, client authentication, ALPN, session tickets.
    pub fn from_rustls(config: Arc<rustls::ServerConfig>) -> TlsServerConfig {
        TlsServerConfig {
            rustls: config,
            auto: None,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
        }
    }

    /// TLS-auto (telnetlib3-server's `--tls-auto`): TLS and plain Telnet on one port. A first
    /// byte of `0x16` (a ClientHello) starts TLS; any other byte, or nothing for `timeout`
    /// ([`DEFAULT_AUTO_TIMEOUT`] is telnetlib3's 0.5 s), means plain Telnet, and that byte is
    /// the first the engine receives. Plain Telnet clients usually wait for the server to
    /// speak, so a silent one is served once `timeout` has passed. `None` (the default)
    /// accepts only TLS.
    pub fn tls_auto(mut self, timeout: Option<Duration>) -> TlsServerConfig {
        self.auto = timeout;
        self
    }

    /// How long the handshake may take, from the first byte to the last (default
    /// [`DEFAULT_HANDSHAKE_TIMEOUT`], 10 s). A peer that sends a byte a second, or nothing,
    /// fails at this deadline with [`Error::Timeout`] for
    /// [`Operation::TlsHandshake`](crate::Operation::TlsHandshake).
    pub fn handshake_timeout(mut self, timeout: Duration) -> TlsServerConfig {
        self.handshake_timeout = timeout;
        self
    }

    /// TLS-auto's timeout, when TLS-auto is on.
    pub fn auto_timeout(&self) -> Option<Duration> {
        self.auto
    }

    /// The handshake's deadline.
    pub fn get_handshake_timeout(&self) -> Duration {
        self.handshake_timeout
    }

    /// The rustls configuration.
    pub fn rustls_config(&self) -> &Arc<rustls::ServerConfig> {
        &self.rustls
    }
}

impl fmt::Debug for TlsServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsServerConfig")
            .field("auto", &self.auto)
            .field("handshake_timeout", &self.handshake_timeout)
            .finish_non_exhaustive()
    }
}

// ----- the client -----

/// A client's TLS: whom it trusts, the name it asks for (SNI) and checks the certificate
/// against, and the handshake's deadline. Hand it to
/// [`ClientConfig::tls`](crate::ClientConfig::tls).
///
/// ```no_run
/// use ironboa::{ClientConfig, TelnetConnection, tls::TlsClientConfig};
///
/// // A server with a self-signed certificate: trust that certificate, and nothing else.
/// let tls = TlsClientConfig::with_ca_file("cert.pem")?.server_name("localhost");
/// let conn = TelnetConnection::connect("127.0.0.1:6023", ClientConfig::default().tls(tls))?;
/// # let _ = conn;
/// # Ok::<(), ironboa::Error>(())
/// ```
///
/// The name checked is [`server_name`](Self::server_name) when given (and sent as SNI when it
/// is a DNS name), otherwise the address connected to, which a certificate rarely names: set
/// it to the host name you connect to.
#[derive(Clone)]
pub struct TlsClientConfig {
    rustls: Arc<rustls::ClientConfig>,
    server_name: Option<String>,
    handshake_timeout: Duration,
    verifies: bool,
}

impl TlsClientConfig {
    /// Trusts the system's CA store (rustls-native-certs: `/etc/ssl/certs` and the like,
    /// `SSL_CERT_FILE` and `SSL_CERT_DIR` when set), as `ironboa-client --ssl` does. An empty
    /// store (no CA certificates installed) is [`TlsError::Config`].
    pub fn system_roots() -> Result<TlsClientConfig> {
        let loaded = rustls_native_certs::load_native_certs();
        for error in &loaded.errors {
            log::debug!("system CA store: {error}");
        }
        let mut roots = rustls::RootCertStore::empty();
        let (added, ignored) = roots.add_parsable_certificates(loaded.certs);
        if ignored > 0 {
            log::debug!("system CA store: {ignored} certificates could not be used");
        }
        if added == 0 {
            return Err(config_error(
                "no CA certificates in the system store (install ca-certificates, or set \
                 SSL_CERT_FILE), and no CA file given",
            ));
        }
        TlsClientConfig::with_roots(roots, Vec::new())
    }

    /// Trusts only the certificates in a PEM file: a private CA, or a server's self-signed
    /// certificate (telnetlib3-client's `--ssl-cafile`), including one made with `openssl req
    /// -x509`, which is also a CA certificate: shown as it is in the file, it is trusted as
    /// itself (its dates and name are still checked).
    pub fn with_ca_file(path: impl AsRef<Path>) -> Result<TlsClientConfig> {
        let path = path.as_ref();
        let named = read_certificates(path)?;
        TlsClientConfig::with_roots(read_roots(path)?, named)
    }

    /// A configuration that verifies against `roots`, and trusts the certificates in `named`
    /// as they are (see [`RootsVerifier`](super::verify::RootsVerifier)).
    fn with_roots(
        roots: rustls::RootCertStore,
        named: Vec<CertificateDer<'static>>,
    ) -> Result<TlsClientConfig> {
        let provider = provider();
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::clone(&provider),
        )
        .build()
        .map_err(config_error)?;
        let verifier = Arc::new(super::verify::RootsVerifier::new(webpki, named));
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| rustls_config_error(&e))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(TlsClientConfig::from_rustls(Arc::new(config)))
    }

    /// Encrypts without checking who the server is: any certificate is accepted (its
    /// signature over the handshake is still checked). Anyone on the path can intercept such
    /// a connection, read it and change it; for tests and devices with throwaway
    /// certificates only (`--ssl-no-verify`).
    pub fn no_verify() -> TlsClientConfig {
        let provider = provider();
        let verifier = Arc::new(super::verify::AcceptAnyCertificate::new(Arc::clone(
            &provider,
        )));
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        TlsClientConfig {
            verifies: false,
            ..TlsClientConfig::from_rustls(Arc::new(config))
        }
    }

    /// Any rustls client configuration (see [`rustls`](super::rustls), re-exported): client
    /// certificates, other roots, ALPN.
    pub fn from_rustls(config: Arc<rustls::ClientConfig>) -> TlsClientConfig {
        TlsClientConfig {
            rustls: config,
            server_name: None,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            verifies: true,
        }
    }

    /// The server's name: sent as SNI (when it is a DNS name, not an IP address) and checked
    /// against the certificate. Default: the IP address connected to.
    pub fn server_name(mut self, name: &str) -> TlsClientConfig {
        self.server_name = Some(name.to_owned());
        self
    }

    /// How long the handshake may take (default [`DEFAULT_HANDSHAKE_TIMEOUT`], 10 s).
    pub fn handshake_timeout(mut self, timeout: Duration) -> TlsClientConfig {
        self.handshake_timeout = timeout;
        self
    }

    /// The name set with [`server_name`](Self::server_name).
    pub fn get_server_name(&self) -> Option<&str> {
        self.server_name.as_deref()
    }

    /// The handshake's deadline.
    pub fn get_handshake_timeout(&self) -> Duration {
        self.handshake_timeout
    }

    /// Whether the server's certificate is verified (false after
    /// [`no_verify`](Self::no_verify)).
    pub fn verifies(&self) -> bool {
        self.verifies
    }

    /// The rustls configuration.
    pub fn rustls_config(&self) -> &Arc<rustls::ClientConfig> {
        &self.rustls
    }

    /// The name to check the server against: the configured one, or the peer's address.
    pub(crate) fn name_for(&self, peer: &PeerAddress) -> Result<ServerName<'static>> {
        if let Some(name) = &self.server_name {
            return ServerName::try_from(name.clone()).map_err(|_| {
                Error::InvalidArgument(format!("not a valid TLS server name: {name:?}"))
            });
        }
        match peer.ip() {
            Some(address) => Ok(ServerName::IpAddress(address.ip().into())),
            None => Err(Error::InvalidArgument(
                "TLS over a transport with no address needs TlsClientConfig::server_name".into(),
            )),
        }
    }
}

impl fmt::Debug for TlsClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClientConfig")
            .field("server_name", &self.server_name)
            .field("verifies", &self.verifies)
            .field("handshake_timeout", &self.handshake_timeout)
            .finish_non_exhaustive()
    }
}
