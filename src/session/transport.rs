//! What a connection runs over: any ordered byte stream.
//!
//! * a **socket**: TCP over IPv4 or IPv6, a Unix socket, or one end of a socketpair (what
//!   `socat ... EXEC:` hands a program as its standard input and output). Deadlines are the
//!   socket's receive and send timeouts.
//! * a **pair of streams** that are not sockets at all: a read half and a write half, such as
//!   the pipes of `inetd`-style standard input and output, or a pty. A pipe has no receive
//!   timeout, so one small thread reads it and hands the chunks over a bounded channel, and a
//!   read with a deadline waits on that channel.
//!
//! Every read takes a [`Wait`]: until a deadline, for ever, or not at all (a poll), on every
//! kind of transport alike.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;
use socket2::Socket;

/// How long a read may wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Do not wait: take what has arrived, or fail with `WouldBlock`.
    Never,
    /// Wait until this instant at most, then fail with `WouldBlock`.
    Until(Instant),
    /// Wait for ever.
    Forever,
}

/// Who is at the other end of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PeerAddress {
    /// A TCP peer.
    Ip(SocketAddr),
    /// A Unix socket peer, with its path when it is bound to one (a socketpair is not).
    Unix(Option<std::path::PathBuf>),
    /// A transport with no address: pipes, a pty, an in-memory stream.
    None,
}

impl PeerAddress {
    /// The IP address and port, for a TCP peer.
    pub fn ip(&self) -> Option<SocketAddr> {
        match self {
            PeerAddress::Ip(addr) => Some(*addr),
            _ => None,
        }
    }
}

impl fmt::Display for PeerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerAddress::Ip(addr) => write!(f, "{addr}"),
            PeerAddress::Unix(Some(path)) => write!(f, "unix:{}", path.display()),
            PeerAddress::Unix(None) => f.write_str("unix"),
            PeerAddress::None => f.write_str("pipe"),
        }
    }
}

impl From<SocketAddr> for PeerAddress {
    fn from(addr: SocketAddr) -> PeerAddress {
        PeerAddress::Ip(addr)
    }
}

/// An ordered byte stream a Telnet connection runs over.
///
/// Build one from a [`TcpStream`], a Unix stream, a file descriptor of unknown kind (inetd's
/// standard input), or any reader and writer, and hand it to
/// [`TelnetConnection::from_transport`](crate::TelnetConnection::from_transport) or
/// [`BlockingTelnetServer::serve_transport`](crate::BlockingTelnetServer::serve_transport).
///
/// ```
/// use ironboa::Transport;
///
/// // Two in-memory streams stand for a pipe pair here.
/// let transport = Transport::from_streams(std::io::empty(), std::io::sink());
/// assert_eq!(transport.peer().to_string(), "pipe");
/// ```
pub struct Transport {
    kind: Kind,
    peer: PeerAddress,
    local: Option<SocketAddr>,
}

enum Kind {
    Socket(SocketTransport),
    Streams(StreamTransport),
}

impl Transport {
    /// A TCP connection. TCP_NODELAY is set (Telnet is interactive), and SO_OOBINLINE, so the
    /// urgent byte of a Synch (RFC 854: `IAC DM` sent as urgent data, as inetutils telnetd
    /// does after an interrupt) stays in the stream for the engine instead of leaving a stray
    /// IAC behind.
    pub fn tcp(stream: TcpStream) -> io::Result<Transport> {
        stream.set_nodelay(true)?;
        let peer = PeerAddress::Ip(stream.peer_addr()?);
        let local = stream.local_addr().ok();
        let socket = Socket::from(stream);
        socket.set_out_of_band_inline(true)?;
        Ok(Transport {
            kind: Kind::Socket(SocketTransport::new(socket)),
            peer,
            local,
        })
    }

    /// A Unix socket connection, or one end of a socketpair.
    #[cfg(unix)]
    pub fn unix(stream: std::os::unix::net::UnixStream) -> io::Result<Transport> {
        let peer = PeerAddress::Unix(
            stream
                .peer_addr()
                .ok()
                .and_then(|a| a.as_pathname().map(ToOwned::to_owned)),
        );
        Ok(Transport {
            kind: Kind::Socket(SocketTransport::new(Socket::from(stream))),
            peer,
            local: None,
        })
    }

    /// A file descriptor of any kind: a TCP or Unix socket or socketpair is used as a socket,
    /// anything else (a pipe, a pty, a file) is read by a reader thread and written as a file.
    /// For inetd-style servers, whose connection is their standard input and output, see
    /// [`stdio`](Self::stdio).
    #[cfg(unix)]
    pub fn from_fd(fd: std::os::fd::OwnedFd) -> io::Result<Transport> {
        let socket = Socket::from(fd);
        if socket.r#type().is_err() {
            // Not a socket.
            let file = std::fs::File::from(std::os::fd::OwnedFd::from(socket));
            let writer = file.try_clone()?;
            return Ok(Transport::from_streams(file, writer));
        }
        Transport::from_socket(socket)
    }

    #[cfg(unix)]
    fn from_socket(socket: Socket) -> io::Result<Transport> {
        let peer_addr = socket.peer_addr();
        let (peer, local) = match peer_addr.as_ref().ok().and_then(|a| a.as_socket()) {
            Some(ip) => {
                let _ = socket.set_nodelay(true);
                (
                    PeerAddress::Ip(ip),
                    socket.local_addr().ok().and_then(|a| a.as_socket()),
                )
            }
            None => (
                PeerAddress::Unix(
                    peer_addr
                        .ok()
                        .and_then(|a| a.as_pathname().map(ToOwned::to_owned)),
                ),
                None,
            ),
        };
        Ok(Transport {
            kind: Kind::Socket(SocketTransport::new(socket)),
            peer,
            local,
        })
    }

    /// The process's standard input and output, as inetd, xinetd, systemd socket activation
    /// (`Accept=yes`) or socat's `EXEC:` hand them to a server: one socket on both (TCP, or a
    /// socketpair), or two pipes.
    #[cfg(unix)]
    pub fn stdio() -> io::Result<Transport> {
        use std::os::fd::AsFd;
        let input = io::stdin().as_fd().try_clone_to_owned()?;
        let socket = Socket::from(input);
        if socket.r#type().is_ok() {
            return Transport::from_socket(socket);
        }
        let input = std::fs::File::from(std::os::fd::OwnedFd::from(socket));
        let output = std::fs::File::from(io::stdout().as_fd().try_clone_to_owned()?);
        Ok(Transport::from_streams(input, output))
    }

    /// A read half and a write half that are not sockets: pipes, a pty, in-memory streams.
    /// The read half is read by its own small thread (64 KiB stack) that ends when the stream
    /// ends or the transport is dropped and the next read returns.
    pub fn from_streams(
        reader: impl Read + Send + 'static,
        writer: impl Write + Send + 'static,
    ) -> Transport {
        Transport {
            kind: Kind::Streams(StreamTransport::new(Box::new(reader), Box::new(writer))),
            peer: PeerAddress::None,
            local: None,
        }
    }

    /// Who is at the other end.
    pub fn peer(&self) -> &PeerAddress {
        &self.peer
    }

    /// Replaces who is at the other end: the client a load balancer's PROXY header named.
    #[cfg_attr(not(feature = "proxy-protocol"), allow(dead_code))]
    pub(crate) fn set_peer(&mut self, peer: PeerAddress) {
        self.peer = peer;
    }

    /// This end's address, for TCP.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local
    }

    /// The socket, for socket options, when the transport is one.
    pub fn socket(&self) -> Option<&Socket> {
        match &self.kind {
            Kind::Socket(s) => Some(&s.socket),
            Kind::Streams(_) => None,
        }
    }

    /// Reads into `buf`, waiting as `wait` says. `Ok(0)` is the end of the stream; a wait that
    /// ends without data is an error of kind `WouldBlock`.
    pub(crate) fn read(&self, buf: &mut [u8], wait: Wait) -> io::Result<usize> {
        match &self.kind {
            Kind::Socket(s) => s.read(buf, wait),
            Kind::Streams(s) => s.read(buf, wait),
        }
    }

    /// Writes all of `buf`, failing with `TimedOut` if that has not happened by `deadline`.
    pub(crate) fn write_all(&self, buf: &[u8], deadline: Option<Instant>) -> io::Result<()> {
        match &self.kind {
            Kind::Socket(s) => s.write_all(buf, deadline),
            Kind::Streams(s) => s.write_all(buf, deadline),
        }
    }

    /// Writes what can go out at once without blocking; returns how much did. Transports that
    /// cannot tell write nothing.
    pub(crate) fn write_now(&self, buf: &[u8]) -> io::Result<usize> {
        match &self.kind {
            Kind::Socket(s) => s.write_now(buf),
            Kind::Streams(_) => Ok(0),
        }
    }

    /// Whether writes can be attempted without blocking ([`write_now`](Self::write_now)).
    pub(crate) fn can_write_now(&self) -> bool {
        matches!(self.kind, Kind::Socket(_))
            && cfg!(any(target_os = "linux", target_os = "android"))
    }

    /// Shuts one or both directions. Shutting the read side wakes a thread blocked reading.
    pub(crate) fn shutdown(&self, how: Shutdown) {
        match &self.kind {
            Kind::Socket(s) => {
                let _ = s.socket.shutdown(how);
            }
            Kind::Streams(s) => s.shutdown(how),
        }
    }

    /// Whether the peer has ended the stream, found out without blocking and without consuming
    /// anything. `None` when the transport cannot tell without reading.
    pub(crate) fn peer_has_closed(&self) -> Option<bool> {
        match &self.kind {
            Kind::Socket(s) => match s.peek_readiness() {
                Ok(Readiness::Eof) => Some(true),
                Ok(Readiness::Data) | Ok(Readiness::Nothing) => Some(false),
                Err(_) => Some(true),
            },
            Kind::Streams(_) => None,
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::Socket(_) => "socket",
            Kind::Streams(_) => "streams",
        };
        f.debug_struct("Transport")
            .field("kind", &kind)
            .field("peer", &self.peer)
            .finish()
    }
}

// ----- sockets -----

/// The "no timeout set yet" marker of [`SocketTransport::read_timeout`].
const UNSET: u64 = u64::MAX;
/// The "blocking, no timeout" marker.
const NO_TIMEOUT: u64 = u64::MAX - 1;

struct SocketTransport {
    socket: Socket,
    /// The receive timeout last set, in nanoseconds (or a marker), to skip needless syscalls.
    read_timeout: AtomicU64,
    /// The send timeout last set.
    write_timeout: AtomicU64,
}

/// What a socket holds right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Readiness {
    Data,
    Eof,
    Nothing,
}

#[cfg(any(target_os = "linux", target_os = "android"))]
const MSG_DONTWAIT: i32 = 0x40;
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
const MSG_DONTWAIT: i32 = 0x80;
#[cfg(unix)]
const MSG_PEEK: i32 = 0x02;
/// No SIGPIPE for a send to a peer that has gone (std's TcpStream does the same).
#[cfg(any(target_os = "linux", target_os = "android"))]
const MSG_NOSIGNAL: i32 = 0x4000;
/// Elsewhere std sets SO_NOSIGPIPE on its sockets, which carries over.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const MSG_NOSIGNAL: i32 = 0;

fn encode_timeout(timeout: Option<Duration>) -> u64 {
    timeout.map_or(NO_TIMEOUT, |t| {
        u64::try_from(t.as_nanos()).unwrap_or(NO_TIMEOUT - 1)
    })
}

impl SocketTransport {
    fn new(socket: Socket) -> SocketTransport {
        SocketTransport {
            socket,
            read_timeout: AtomicU64::new(UNSET),
            write_timeout: AtomicU64::new(UNSET),
        }
    }

    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        let encoded = encode_timeout(timeout);
        if self.read_timeout.swap(encoded, Ordering::Relaxed) != encoded {
            if let Err(error) = self.socket.set_read_timeout(timeout) {
                self.read_timeout.store(UNSET, Ordering::Relaxed);
                return Err(error);
            }
        }
        Ok(())
    }

    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        let encoded = encode_timeout(timeout);
        if self.write_timeout.swap(encoded, Ordering::Relaxed) != encoded {
            if let Err(error) = self.socket.set_write_timeout(timeout) {
                self.write_timeout.store(UNSET, Ordering::Relaxed);
                return Err(error);
            }
        }
        Ok(())
    }

    fn read(&self, buf: &mut [u8], wait: Wait) -> io::Result<usize> {
        let timeout = match wait {
            Wait::Forever => None,
            Wait::Until(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return self.read_now(buf);
                }
                // A timeout below a microsecond would be taken as "none" by the kernel.
                Some(left.max(Duration::from_micros(1)))
            }
            Wait::Never => return self.read_now(buf),
        };
        self.set_read_timeout(timeout)?;
        (&self.socket).read(buf)
    }

    /// A read that never waits: it reads only when the socket already holds data (or its end).
    fn read_now(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self.peek_readiness()? {
            Readiness::Nothing => Err(io::ErrorKind::WouldBlock.into()),
            // Something is there: this read returns at once.
            Readiness::Data | Readiness::Eof => (&self.socket).read(buf),
        }
    }

    /// A `recv` with MSG_PEEK and MSG_DONTWAIT into a one-byte probe: only the count matters.
    #[cfg(unix)]
    fn peek_readiness(&self) -> io::Result<Readiness> {
        let mut probe = [std::mem::MaybeUninit::new(0u8); 1];
        match self
            .socket
            .recv_with_flags(&mut probe, MSG_PEEK | MSG_DONTWAIT)
        {
            Ok(0) => Ok(Readiness::Eof),
            Ok(_) => Ok(Readiness::Data),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Readiness::Nothing),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(Readiness::Nothing),
            Err(e) if super::is_disconnect(&e) => Ok(Readiness::Eof),
            Err(e) => Err(e),
        }
    }

    /// Elsewhere: switch to non-blocking for one peek.
    #[cfg(not(unix))]
    fn peek_readiness(&self) -> io::Result<Readiness> {
        let mut probe = [std::mem::MaybeUninit::new(0u8); 1];
        self.socket.set_nonblocking(true)?;
        let result = self.socket.peek(&mut probe);
        self.socket.set_nonblocking(false)?;
        match result {
            Ok(0) => Ok(Readiness::Eof),
            Ok(_) => Ok(Readiness::Data),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Readiness::Nothing),
            Err(e) if super::is_disconnect(&e) => Ok(Readiness::Eof),
            Err(e) => Err(e),
        }
    }

    /// Writes everything by `deadline`: each `send` waits at most the time left, so a peer that
    /// reads a trickle cannot stretch the write past its bound.
    fn write_all(&self, mut buf: &[u8], deadline: Option<Instant>) -> io::Result<()> {
        let mut first = true;
        while !buf.is_empty() {
            let timeout = match deadline {
                None => None,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(io::ErrorKind::TimedOut.into());
                    }
                    Some(left.max(Duration::from_micros(1)))
                }
            };
            // The first send uses the timeout already set when it is no longer than the time
            // left would be (one syscall on the fast path); later ones set the exact time left.
            // (A longer one, set by a write with another deadline such as a TLS handshake's,
            // would let this send overstay its deadline.)
            let set = self.write_timeout.load(Ordering::Relaxed);
            let set_fits = match timeout {
                None => set == NO_TIMEOUT,
                Some(_) => set < NO_TIMEOUT && set <= encode_timeout(timeout),
            };
            if !first || !set_fits {
                self.set_write_timeout(timeout)?;
            }
            first = false;
            match self.send(buf, 0) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => buf = &buf[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// One `send`, never raising SIGPIPE.
    #[cfg(unix)]
    fn send(&self, buf: &[u8], flags: i32) -> io::Result<usize> {
        self.socket.send_with_flags(buf, flags | MSG_NOSIGNAL)
    }

    #[cfg(not(unix))]
    fn send(&self, buf: &[u8], _flags: i32) -> io::Result<usize> {
        (&self.socket).write(buf)
    }

    #[cfg(unix)]
    fn write_now(&self, buf: &[u8]) -> io::Result<usize> {
        match self.send(buf, MSG_DONTWAIT) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(e),
        }
    }

    #[cfg(not(unix))]
    fn write_now(&self, _buf: &[u8]) -> io::Result<usize> {
        Ok(0)
    }
}

// ----- pipes and other streams -----

/// The most chunks the reader thread holds ready before it stops reading (backpressure).
const QUEUED_CHUNKS: usize = 2;
/// The size of one read of the reader thread.
const STREAM_READ: usize = 8 * 1024;

struct StreamTransport {
    chunks: Receiver<io::Result<Vec<u8>>>,
    /// Wakes a read blocked on `chunks` when the transport is shut.
    wake: (Sender<()>, Receiver<()>),
    /// What is left of the last chunk, and where it starts.
    leftover: Mutex<(Vec<u8>, usize)>,
    /// To the writer thread, which owns the write half; dropped to close it.
    to_writer: Mutex<Option<Sender<Vec<u8>>>>,
    /// The writer thread's result for each write.
    written: Receiver<io::Result<()>>,
    read_shut: AtomicBool,
    ended: AtomicBool,
}

impl StreamTransport {
    fn new(mut reader: Box<dyn Read + Send>, writer: Box<dyn Write + Send>) -> StreamTransport {
        let (tx, chunks) = crossbeam_channel::bounded(QUEUED_CHUNKS);
        let spawned = std::thread::Builder::new()
            .name("ironboa-stream-reader".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                loop {
                    let mut chunk = vec![0; STREAM_READ];
                    let result = match reader.read(&mut chunk) {
                        Ok(n) => {
                            chunk.truncate(n);
                            Ok(chunk)
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => Err(e),
                    };
                    let end = !matches!(&result, Ok(c) if !c.is_empty());
                    if tx.send(result).is_err() || end {
                        return;
                    }
                }
            });
        if let Err(error) = spawned {
            log::error!("cannot start a stream reader thread: {error}");
        }
        // Writes go through a thread too, so that a write to a pipe nobody reads can give up
        // at its deadline, and closing never waits behind it.
        let (to_writer, requests) = crossbeam_channel::bounded::<Vec<u8>>(1);
        let (results, written) = crossbeam_channel::bounded(1);
        let mut writer = writer;
        let spawned = std::thread::Builder::new()
            .name("ironboa-stream-writer".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                for buf in requests {
                    let result = writer.write_all(&buf).and_then(|()| writer.flush());
                    if results.send(result).is_err() {
                        break;
                    }
                }
                // Dropping the write half here closes it: the peer sees the end.
            });
        if let Err(error) = spawned {
            log::error!("cannot start a stream writer thread: {error}");
        }
        StreamTransport {
            chunks,
            wake: crossbeam_channel::bounded(1),
            leftover: Mutex::new((Vec::new(), 0)),
            to_writer: Mutex::new(Some(to_writer)),
            written,
            read_shut: AtomicBool::new(false),
            ended: AtomicBool::new(false),
        }
    }

    fn read(&self, buf: &mut [u8], wait: Wait) -> io::Result<usize> {
        let mut leftover = self.leftover.lock();
        if leftover.1 < leftover.0.len() {
            let (chunk, start) = &mut *leftover;
            let n = buf.len().min(chunk.len() - *start);
            buf[..n].copy_from_slice(&chunk[*start..*start + n]);
            *start += n;
            return Ok(n);
        }
        if self.read_shut.load(Ordering::Acquire) || self.ended.load(Ordering::Acquire) {
            return Ok(0);
        }
        let received = match wait {
            Wait::Never => match self.chunks.try_recv() {
                Ok(chunk) => chunk,
                Err(crossbeam_channel::TryRecvError::Empty) => {
                    return Err(io::ErrorKind::WouldBlock.into());
                }
                Err(crossbeam_channel::TryRecvError::Disconnected) => Ok(Vec::new()),
            },
            Wait::Until(deadline) => crossbeam_channel::select! {
                recv(self.chunks) -> chunk => chunk.unwrap_or(Ok(Vec::new())),
                recv(self.wake.1) -> _ => Ok(Vec::new()),
                default(deadline.saturating_duration_since(Instant::now())) => {
                    return Err(io::ErrorKind::WouldBlock.into());
                }
            },
            Wait::Forever => crossbeam_channel::select! {
                recv(self.chunks) -> chunk => chunk.unwrap_or(Ok(Vec::new())),
                recv(self.wake.1) -> _ => Ok(Vec::new()),
            },
        };
        let chunk = received?;
        if chunk.is_empty() {
            self.ended.store(true, Ordering::Release);
            return Ok(0);
        }
        let n = buf.len().min(chunk.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        *leftover = (chunk, n);
        Ok(n)
    }

    /// Hands `buf` to the writer thread and waits for it to be written, until `deadline`.
    fn write_all(&self, buf: &[u8], deadline: Option<Instant>) -> io::Result<()> {
        let Some(to_writer) = self.to_writer.lock().clone() else {
            return Err(io::ErrorKind::BrokenPipe.into());
        };
        let timed_out = || io::Error::from(io::ErrorKind::TimedOut);
        match deadline {
            Some(deadline) => {
                to_writer
                    .send_deadline(buf.to_vec(), deadline)
                    .map_err(|e| match e {
                        crossbeam_channel::SendTimeoutError::Timeout(_) => timed_out(),
                        crossbeam_channel::SendTimeoutError::Disconnected(_) => {
                            io::ErrorKind::BrokenPipe.into()
                        }
                    })?
            }
            None => to_writer
                .send(buf.to_vec())
                .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))?,
        }
        // The writer thread's result for this write.
        match deadline {
            Some(deadline) => self.written.recv_deadline(deadline).map_err(|e| match e {
                crossbeam_channel::RecvTimeoutError::Timeout => timed_out(),
                crossbeam_channel::RecvTimeoutError::Disconnected => {
                    io::ErrorKind::BrokenPipe.into()
                }
            })?,
            None => self
                .written
                .recv()
                .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))?,
        }
    }

    fn shutdown(&self, how: Shutdown) {
        if matches!(how, Shutdown::Write | Shutdown::Both) {
            // The writer thread closes the write half once it has nothing more to write: the
            // peer sees the end of the stream. Nothing here waits for it.
            self.to_writer.lock().take();
        }
        if matches!(how, Shutdown::Read | Shutdown::Both) {
            self.read_shut.store(true, Ordering::Release);
            let _ = self.wake.0.try_send(());
        }
    }
}
