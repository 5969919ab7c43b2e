//! The PROXY protocol (versions 1 and 2, as HAProxy's `send-proxy` and `send-proxy-v2` send
//! it): a load balancer in front of the server writes one header with the client's own
//! address before the client's first byte, so that `address()`, `addrport()`, the logs and
//! everything else see the client and not the balancer.
//!
//! The header is read on the connection's own thread, before TLS and the Telnet stream,
//! with exact reads that never take a byte past the header (the Telnet bytes that follow stay
//! in the socket for the session), under a deadline ([`ProxyProtocol::timeout`], default 5 s)
//! and a size bound (107 bytes for version 1, as the specification says;
//! [`ProxyProtocol::max_header`], default 4 KiB, for version 2). The header's parsing is the
//! `ppp` crate's; this module only frames it, since `ppp` parses a buffer and has no reader.
//!
//! Only connections from trusted addresses (loopback unless set with
//! [`ProxyProtocol::trust`]) may send one: any other is closed at once, with nothing read,
//! because whoever can send a header can claim any address.

use std::io::{self, Read};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use ipnet::IpNet;

use crate::error::{Error, Operation, ProxyHeaderError, Result};

/// The twelve bytes every version 2 header starts with.
const V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// The longest version 1 header, CR LF included (the specification's figure).
const V1_MAX: usize = 107;
/// The shortest version 1 header: `PROXY UNKNOWN\r\n`.
const V1_MIN: usize = 15;
/// The fixed part of a version 2 header: signature, version and command, family and
/// protocol, and the length of what follows.
const V2_FIXED: usize = 16;

/// Accepting the PROXY protocol from load balancers (`ServerConfig::proxy_protocol`, the
/// `proxy-protocol` feature). Every connection must then start with a version 1 or version 2
/// header, from a trusted address.
///
/// ```
/// use std::time::Duration;
/// use ironboa::server::{ProxyProtocol, ServerConfig};
///
/// let proxy = ProxyProtocol::default()
///     .trust(&["127.0.0.0/8", "10.1.2.0/24", "::1"])?
///     .timeout(Duration::from_secs(2));
/// assert!(proxy.trusts("10.1.2.3".parse().unwrap()));
/// assert!(!proxy.trusts("10.1.3.1".parse().unwrap()));
/// let config = ServerConfig::default().proxy_protocol(Some(proxy));
/// # let _ = config;
/// # Ok::<(), ironboa::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ProxyProtocol {
    trusted: Vec<IpNet>,
    timeout: Duration,
    max_header: usize,
}

impl Default for ProxyProtocol {
    /// Trusts loopback only (`127.0.0.0/8` and `::1`), 5 s to send the header, version 2
    /// headers up to 4 KiB.
    fn default() -> Self {
        ProxyProtocol {
            trusted: vec![
                "127.0.0.0/8".parse().expect("a valid network"),
                "::1/128".parse().expect("a valid network"),
            ],
            timeout: Duration::from_secs(5),
            max_header: 4096,
        }
    }
}

impl ProxyProtocol {
    /// The addresses allowed to send a header, replacing the default (loopback): networks
    /// in CIDR notation (`10.0.0.0/8`, `fd00::/8`) or single addresses. An IPv4 client seen
    /// on an IPv6 socket (`::ffff:10.0.0.1`) is matched as its IPv4 address.
    /// [`Error::InvalidArgument`] names the first entry that is neither.
    pub fn trust<S: AsRef<str>>(mut self, networks: &[S]) -> Result<Self> {
        self.trusted = networks
            .iter()
            .map(|entry| parse_network(entry.as_ref()))
            .collect::<Result<_>>()?;
        Ok(self)
    }

    /// How long a connection may take to send its whole header (default 5 s); then it is
    /// closed.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest version 2 header accepted, in bytes, the fixed 16 included (default 4096;
    /// at least 16 + 216, the largest address block, is always allowed). A version 1 header
    /// is at most 107 bytes, as the specification says.
    pub fn max_header(mut self, bytes: usize) -> Self {
        self.max_header = bytes.max(V2_FIXED + 216);
        self
    }

    /// The trusted networks.
    pub fn get_trusted(&self) -> &[IpNet] {
        &self.trusted
    }

    /// The deadline set with [`timeout`](Self::timeout).
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }

    /// The bound set with [`max_header`](Self::max_header).
    pub fn get_max_header(&self) -> usize {
        self.max_header
    }

    /// Whether `ip` may send a header.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted.iter().any(|net| net.contains(&ip))
    }
}

fn parse_network(entry: &str) -> Result<IpNet> {
    let entry = entry.trim();
    entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| {
            Error::InvalidArgument(format!(
                "{entry:?} is not a network (10.0.0.0/8) or an address"
            ))
        })
}

/// What a header said about the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A client's connection relayed by the balancer: its own address and port.
    Client(SocketAddr),
    /// The balancer speaking for itself (a version 2 `LOCAL` header, as in a health check
    /// with `check-send-proxy`, or `PROXY UNKNOWN`): the connection keeps its own address.
    Balancer,
}

/// Reads one header from `stream` (which the caller has checked comes from a trusted
/// address), taking exactly the header's bytes, within `config`'s deadline and bound.
pub(crate) fn read_header(stream: &mut TcpStream, config: &ProxyProtocol) -> Result<Origin> {
    let mut reader = Reader {
        stream,
        deadline: Instant::now() + config.timeout,
        buf: Vec::with_capacity(V2_FIXED),
    };
    let origin = reader.header(config.max_header);
    let _ = reader.stream.set_read_timeout(None);
    origin
}

struct Reader<'a> {
    stream: &'a mut TcpStream,
    deadline: Instant,
    buf: Vec<u8>,
}

impl Reader<'_> {
    fn header(&mut self, max_header: usize) -> Result<Origin> {
        self.fill(6)?;
        if self.buf == b"PROXY " {
            self.version1()
        } else if self.buf[..] == V2_SIGNATURE[..6] {
            self.version2(max_header)
        } else {
            Err(refused(ProxyHeaderError::Missing))
        }
    }

    fn version1(&mut self) -> Result<Origin> {
        self.fill(V1_MIN)?;
        // Byte by byte from here: a read must not take the first Telnet bytes that follow.
        while !self.buf.ends_with(b"\r\n") {
            if self.buf.len() >= V1_MAX {
                return Err(refused(ProxyHeaderError::TooLong { max: V1_MAX }));
            }
            self.fill(self.buf.len() + 1)?;
        }
        let text = std::str::from_utf8(&self.buf)
            .map_err(|_| refused(ProxyHeaderError::Malformed("not ASCII".into())))?;
        let header = ppp::v1::Header::try_from(text)
            .map_err(|e| refused(ProxyHeaderError::Malformed(e.to_string())))?;
        Ok(match header.addresses {
            ppp::v1::Addresses::Tcp4(ip) => Origin::Client(SocketAddr::new(
                IpAddr::V4(ip.source_address),
                ip.source_port,
            )),
            ppp::v1::Addresses::Tcp6(ip) => Origin::Client(SocketAddr::new(
                IpAddr::V6(ip.source_address),
                ip.source_port,
            )),
            ppp::v1::Addresses::Unknown => Origin::Balancer,
        })
    }

    fn version2(&mut self, max_header: usize) -> Result<Origin> {
        self.fill(V2_FIXED)?;
        if self.buf[..12] != V2_SIGNATURE {
            return Err(refused(ProxyHeaderError::Missing));
        }
        let length = V2_FIXED + usize::from(u16::from_be_bytes([self.buf[14], self.buf[15]]));
        if length > max_header {
            return Err(refused(ProxyHeaderError::TooLong { max: max_header }));
        }
        self.fill(length)?;
        let header = ppp::v2::Header::try_from(&self.buf[..])
            .map_err(|e| refused(ProxyHeaderError::Malformed(e.to_string())))?;
        if header.command == ppp::v2::Command::Local {
            return Ok(Origin::Balancer);
        }
        Ok(match header.addresses {
            ppp::v2::Addresses::IPv4(ip) => Origin::Client(SocketAddr::new(
                IpAddr::V4(ip.source_address),
                ip.source_port,
            )),
            ppp::v2::Addresses::IPv6(ip) => Origin::Client(SocketAddr::new(
                IpAddr::V6(ip.source_address),
                ip.source_port,
            )),
            ppp::v2::Addresses::Unspecified | ppp::v2::Addresses::Unix(_) => Origin::Balancer,
        })
    }

    /// Reads until `self.buf` holds `len` bytes, within the deadline.
    fn fill(&mut self, len: usize) -> Result<()> {
        let start = self.buf.len();
        self.buf.resize(len, 0);
        let mut filled = start;
        while filled < len {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(timed_out());
            }
            self.stream.set_read_timeout(Some(left))?;
            match self.stream.read(&mut self.buf[filled..len]) {
                Ok(0) => {
                    return Err(refused(ProxyHeaderError::Truncated { received: filled }));
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(timed_out());
                }
                Err(e) if crate::session::is_disconnect(&e) => {
                    return Err(refused(ProxyHeaderError::Truncated { received: filled }));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

fn refused(reason: ProxyHeaderError) -> Error {
    Error::ProxyHeader { reason }
}

fn timed_out() -> Error {
    Error::Timeout {
        operation: Operation::ProxyHeader,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    /// Sends `bytes` (then closes, unless `keep_open`) and reads a header from the other end;
    /// returns the result and what was left in the stream after it.
    fn exchange(bytes: &[u8], config: &ProxyProtocol) -> (Result<Origin>, Vec<u8>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        client.write_all(bytes).unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let origin = read_header(&mut server, config);
        let mut rest = Vec::new();
        let _ = server.read_to_end(&mut rest);
        (origin, rest)
    }

    fn reason(result: Result<Origin>) -> ProxyHeaderError {
        match result {
            Err(Error::ProxyHeader { reason }) => reason,
            other => panic!("expected a refused header, got {other:?}"),
        }
    }

    #[test]
    fn version1_gives_the_client_and_leaves_the_telnet_bytes() {
        let (origin, rest) = exchange(
            b"PROXY TCP4 192.0.2.7 127.0.0.1 40123 6023\r\n\xff\xfb\x18hello",
            &ProxyProtocol::default(),
        );
        assert_eq!(
            origin.unwrap(),
            Origin::Client("192.0.2.7:40123".parse().unwrap())
        );
        assert_eq!(rest, b"\xff\xfb\x18hello");
    }

    #[test]
    fn version1_ipv6_and_unknown() {
        let (origin, _) = exchange(
            b"PROXY TCP6 2001:db8::1 ::1 5000 23\r\n",
            &ProxyProtocol::default(),
        );
        assert_eq!(
            origin.unwrap(),
            Origin::Client("[2001:db8::1]:5000".parse().unwrap())
        );
        let (origin, rest) = exchange(b"PROXY UNKNOWN\r\nx", &ProxyProtocol::default());
        assert_eq!(origin.unwrap(), Origin::Balancer);
        assert_eq!(rest, b"x");
    }

    fn v2(command: u8, family: u8, payload: &[u8]) -> Vec<u8> {
        let mut header = V2_SIGNATURE.to_vec();
        header.push(0x20 | command);
        header.push(family);
        header.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        header.extend_from_slice(payload);
        header
    }

    #[test]
    fn version2_proxy_and_local() {
        let mut payload = vec![198, 51, 100, 9, 127, 0, 0, 1];
        payload.extend_from_slice(&4242u16.to_be_bytes());
        payload.extend_from_slice(&23u16.to_be_bytes());
        // A TLV after the addresses (as haproxy's unique-id or ssl ones) is allowed.
        payload.extend_from_slice(&[0x04, 0x00, 0x01, 0x2a]);
        let mut bytes = v2(1, 0x11, &payload);
        bytes.extend_from_slice(b"after");
        let (origin, rest) = exchange(&bytes, &ProxyProtocol::default());
        assert_eq!(
            origin.unwrap(),
            Origin::Client("198.51.100.9:4242".parse().unwrap())
        );
        assert_eq!(rest, b"after");
        let (origin, _) = exchange(&v2(0, 0x00, &[]), &ProxyProtocol::default());
        assert_eq!(origin.unwrap(), Origin::Balancer);
    }

    #[test]
    fn hostile_headers_are_refused() {
        let config = ProxyProtocol::default();
        assert_eq!(
            reason(exchange(b"\xff\xfd\x18hello there", &config).0),
            ProxyHeaderError::Missing
        );
        assert_eq!(
            reason(exchange(b"PROXY TCP4 1.2.3.4", &config).0),
            ProxyHeaderError::Truncated { received: 18 }
        );
        assert_eq!(
            reason(exchange(b"", &config).0),
            ProxyHeaderError::Truncated { received: 0 }
        );
        let long = [b"PROXY TCP4 ".as_slice(), &[b'1'; 200]].concat();
        assert_eq!(
            reason(exchange(&long, &config).0),
            ProxyHeaderError::TooLong { max: V1_MAX }
        );
        assert!(matches!(
            reason(exchange(b"PROXY TCP4 1.2.3.4 nonsense\r\n", &config).0),
            ProxyHeaderError::Malformed(_)
        ));
        let mut huge = v2(1, 0x11, &[]);
        huge[14..16].copy_from_slice(&60000u16.to_be_bytes());
        assert_eq!(
            reason(exchange(&huge, &config).0),
            ProxyHeaderError::TooLong { max: 4096 }
        );
        // An IPv4 family with too short an address block.
        assert!(matches!(
            reason(exchange(&v2(1, 0x11, &[1, 2, 3]), &config).0),
            ProxyHeaderError::Malformed(_)
        ));
    }

    #[test]
    fn a_silent_peer_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        client.write_all(b"PROXY ").unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let config = ProxyProtocol::default().timeout(Duration::from_millis(200));
        assert!(matches!(
            read_header(&mut server, &config),
            Err(Error::Timeout {
                operation: Operation::ProxyHeader
            })
        ));
    }

    #[test]
    fn trusted_networks() {
        let default = ProxyProtocol::default();
        assert!(default.trusts("127.0.0.2".parse().unwrap()));
        assert!(default.trusts("::1".parse().unwrap()));
        assert!(default.trusts("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!default.trusts("192.0.2.1".parse().unwrap()));
        let narrow = ProxyProtocol::default().trust(&["127.0.0.9"]).unwrap();
        assert!(narrow.trusts("127.0.0.9".parse().unwrap()));
        assert!(!narrow.trusts("127.0.0.1".parse().unwrap()));
        assert!(matches!(
            ProxyProtocol::default().trust(&["10.0.0.0/33"]),
            Err(Error::InvalidArgument(_))
        ));
    }
}
