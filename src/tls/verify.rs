//! The client's certificate verifiers beyond rustls' own:
//!
//! * [`RootsVerifier`] (`TlsClientConfig::with_ca_file` and `system_roots`): rustls' WebPKI
//!   verifier, which also trusts a self-signed CA certificate given in the CA file as the
//!   server's own certificate, and calls an untrusted one an unknown issuer.
//! * [`AcceptAnyCertificate`] (`TlsClientConfig::no_verify`): any certificate is accepted, but
//!   the handshake's signatures are still checked with it (the connection is encrypted, and
//!   the peer holds the key of the certificate it showed; who that peer is, nobody checked).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_name};
use rustls::crypto::CryptoProvider;
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, OtherError};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

/// Verifies against trusted certificates as OpenSSL (and so telnetlib3's `--ssl-cafile`) does:
/// a chain to one of them, or one of them as it is.
///
/// `openssl req -x509` makes a self-signed certificate that is also a CA (`basicConstraints
/// CA:TRUE`), and WebPKI refuses a CA certificate as a server's own ("CaUsedAsEndEntity").
/// When the server shows exactly a certificate of the CA file, it is trusted as itself:
/// WebPKI has checked its dates before it found the CA flag, and its name is checked here.
/// Any other self-signed one is what it is to OpenSSL, an unknown issuer.
#[derive(Debug)]
pub(super) struct RootsVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    /// The CA file's certificates, as they are.
    named: Vec<CertificateDer<'static>>,
}

impl RootsVerifier {
    pub(super) fn new(
        webpki: Arc<WebPkiServerVerifier>,
        named: Vec<CertificateDer<'static>>,
    ) -> RootsVerifier {
        RootsVerifier { webpki, named }
    }
}

/// Whether a certificate names itself as its issuer.
fn self_issued(certificate: &CertificateDer<'_>) -> bool {
    webpki::EndEntityCert::try_from(certificate).is_ok_and(|cert| cert.issuer() == cert.subject())
}

/// Whether WebPKI refused a CA certificate as a server's own.
fn ca_used_as_end_entity(error: &OtherError) -> bool {
    let error: &(dyn std::error::Error + 'static) = &*error.0;
    matches!(
        error.downcast_ref::<webpki::Error>(),
        Some(webpki::Error::CaUsedAsEndEntity)
    )
}

impl ServerCertVerifier for RootsVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(other)))
                if ca_used_as_end_entity(&other) =>
            {
                if self.named.iter().any(|named| named == end_entity) {
                    verify_server_name(&ParsedCertificate::try_from(end_entity)?, server_name)?;
                    Ok(ServerCertVerified::assertion())
                } else if self_issued(end_entity) {
                    Err(rustls::Error::InvalidCertificate(
                        CertificateError::UnknownIssuer,
                    ))
                } else {
                    Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                        other,
                    )))
                }
            }
            verified => verified,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki
            .verify_tls12_signature(message, certificate, signature)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki
            .verify_tls13_signature(message, certificate, signature)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

#[derive(Debug)]
pub(super) struct AcceptAnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl AcceptAnyCertificate {
    pub(super) fn new(provider: Arc<CryptoProvider>) -> AcceptAnyCertificate {
        AcceptAnyCertificate { provider }
    }
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            certificate,
            signature,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            certificate,
            signature,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
