//! TELNETS (the `tls` feature): ironboa's server and client over TLS with each other and with
//! peers nobody here wrote (openssl s_client, telnetlib3's client and server), TLS-auto,
//! certificates that must be refused with a reason a caller can match, and hostile peers
//! against a running server. Certificates are made for each test with rcgen.
#![cfg(feature = "tls")]

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use ironboa::tls::rustls;
use ironboa::tls::{TlsClientConfig, TlsInfo, TlsServerConfig};
use ironboa::{
    BlockingTelnetServer, ClientConfig, Error, Operation, ServerConfig, ServerConnection,
    TelnetConnection, TlsError,
};
use support::peers::{PeerServer, free_port, have_program, python};

const T: Option<Duration> = Some(Duration::from_secs(10));
/// A bound for a run that goes wrong; a passing run ends as soon as its condition holds.
const BOUND: Duration = Duration::from_secs(20);

// ----- certificates -----

/// A temporary directory with certificates made for one test, removed on drop.
struct Certs {
    dir: PathBuf,
}

static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

impl Certs {
    /// `cert.pem` and `cert-key.pem`: self-signed for localhost and 127.0.0.1, valid now.
    fn new() -> Certs {
        let dir = std::env::temp_dir().join(format!(
            "ironboa-tls-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let certs = Certs { dir };
        certs.make("cert", &["localhost", "127.0.0.1"], None);
        certs
    }

    /// Writes `NAME.pem` and `NAME-key.pem`, self-signed for `names`; `expired` makes it valid
    /// only in January 2020.
    fn make(&self, name: &str, names: &[&str], expired: Option<()>) -> (PathBuf, PathBuf) {
        self.make_with(name, names, expired, false)
    }

    /// [`make`](Self::make); `ca` makes it a CA certificate too, as `openssl req -x509` does.
    fn make_with(
        &self,
        name: &str,
        names: &[&str],
        expired: Option<()>,
        ca: bool,
    ) -> (PathBuf, PathBuf) {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = rcgen::CertificateParams::new(names).unwrap();
        if ca {
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        }
        // A name of its own: a verifier takes certificates with the same name for the issuer.
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, format!("ironboa test {name}"));
        if expired.is_some() {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 1, 31);
        }
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let cert_path = self.dir.join(format!("{name}.pem"));
        let key_path = self.dir.join(format!("{name}-key.pem"));
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        (cert_path, key_path)
    }

    fn cert(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }

    fn key(&self) -> PathBuf {
        self.dir.join("cert-key.pem")
    }

    /// The DER of a PEM certificate file's first certificate.
    fn der(path: &Path) -> Vec<u8> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        CertificateDer::from_pem_file(path).unwrap().to_vec()
    }

    fn server_tls(&self) -> TlsServerConfig {
        TlsServerConfig::from_pem_files(self.cert(), self.key()).unwrap()
    }

    /// A client that trusts the test's certificate and asks for `localhost`.
    fn client_tls(&self) -> TlsClientConfig {
        TlsClientConfig::with_ca_file(self.cert())
            .unwrap()
            .server_name("localhost")
    }
}

impl Drop for Certs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ----- servers and clients -----

/// What a handler learned about its connection.
#[derive(Debug)]
struct Seen {
    tls: Option<TlsInfo>,
    ssl_object: Option<String>,
    lines: Vec<Result<String, String>>,
}

/// Greets with what TLS agreed ("Ready (secure: TLSv1.3)." as telnetlib3's shell does, or
/// "Ready."), echoes lines until "quit" or the end, then reports what it saw.
fn echo_handler(conn: ServerConnection, report: &mpsc::Sender<Seen>) {
    let greeting = match conn.tls_info() {
        Some(tls) => format!(
            "Ready (secure: {}, sni {}).\n> ",
            tls.protocol_version(),
            tls.server_name().unwrap_or("-")
        ),
        None => "Ready.\n> ".to_owned(),
    };
    let mut seen = Seen {
        tls: conn.tls_info().cloned(),
        ssl_object: conn.get_extra_info("ssl_object"),
        lines: Vec::new(),
    };
    if conn.send(&greeting).is_ok() {
        loop {
            match conn.readline(T) {
                Ok(line) if line == "quit" => {
                    let _ = conn.send("bye\n");
                    seen.lines.push(Ok(line));
                    break;
                }
                Ok(line) => {
                    let sent = conn.send(&format!("echo: {line}\n> "));
                    seen.lines.push(Ok(line));
                    if let Err(error) = sent {
                        seen.lines.push(Err(format!("send: {error:?}")));
                        break;
                    }
                }
                Err(error) => {
                    seen.lines.push(Err(format!("{error:?}")));
                    break;
                }
            }
        }
    }
    let _ = report.send(seen);
}

/// A server on a free port with [`echo_handler`]; the receiver gets each connection's report.
fn start(config: ServerConfig) -> (BlockingTelnetServer, mpsc::Receiver<Seen>) {
    start_with(config, |_| {})
}

/// [`start`], with `setup` run on each connection before the handler.
fn start_with(
    config: ServerConfig,
    setup: fn(&ServerConnection),
) -> (BlockingTelnetServer, mpsc::Receiver<Seen>) {
    // Clients that do not negotiate (openssl s_client, raw sockets) are greeted soon.
    let config = config.connect_maxwait(Duration::from_millis(300));
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    server
        .serve_in_background(move |conn| {
            let report = tx.lock().unwrap().clone();
            setup(&conn);
            echo_handler(conn, &report)
        })
        .unwrap();
    (server, rx)
}

fn client_config(tls: TlsClientConfig) -> ClientConfig {
    ClientConfig::default()
        .tls(tls)
        .connect_timeout(Duration::from_secs(5))
}

/// An ironboa TLS client's whole conversation with [`echo_handler`]: greeting, one echo, quit.
fn converse(port: u16, tls: TlsClientConfig) -> TelnetConnection {
    let conn = TelnetConnection::connect(("127.0.0.1", port), client_config(tls)).unwrap();
    let greeting = conn.read_until("> ", T).unwrap();
    assert!(
        greeting.starts_with("Ready (secure: TLSv1."),
        "{greeting:?}"
    );
    conn.send("hello over tls\n").unwrap();
    assert_eq!(
        conn.read_until("> ", T).unwrap(),
        "echo: hello over tls\r\n> "
    );
    conn.send("quit\n").unwrap();
    assert_eq!(conn.readline(T).unwrap(), "bye");
    conn
}

/// A report, or a failed test after [`BOUND`].
fn report(rx: &mpsc::Receiver<Seen>) -> Seen {
    rx.recv_timeout(BOUND).expect("the handler reported")
}

/// A TLS client made with rustls directly, for cases ironboa's client cannot be made to do.
fn raw_tls_client(
    port: u16,
    cert: &Path,
) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    raw_tls_over(TcpStream::connect(("127.0.0.1", port)).unwrap(), cert)
}

/// [`raw_tls_client`] over a stream already connected.
fn raw_tls_over(
    stream: TcpStream,
    cert: &Path,
) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(Certs::der(cert).into()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    stream.set_read_timeout(Some(BOUND)).unwrap();
    rustls::StreamOwned::new(connection, stream)
}

/// Reads a raw client's stream up to the greeting's prompt: the handler runs.
fn read_greeting(stream: &mut impl Read) -> String {
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"> ") {
        assert_eq!(
            stream.read(&mut byte).unwrap(),
            1,
            "the stream ended: {seen:?}"
        );
        seen.push(byte[0]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// What a process has printed so far, and whether its output has ended.
type Printed = Mutex<(Vec<u8>, bool)>;

/// The output of a child process as it arrives, to wait on without sleeping.
#[derive(Clone, Default)]
struct Output(Arc<(Printed, Condvar)>);

impl Output {
    fn collect(mut from: impl Read + Send + 'static) -> Output {
        let output = Output::default();
        let shared = output.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                let n = from.read(&mut buf).unwrap_or(0);
                let (lock, changed) = &*shared.0;
                let mut state = lock.lock().unwrap();
                if n == 0 {
                    state.1 = true;
                } else {
                    state.0.extend_from_slice(&buf[..n]);
                }
                changed.notify_all();
                if n == 0 {
                    return;
                }
            }
        });
        output
    }

    /// Waits until the output contains `text` (or fails the test after [`BOUND`]).
    fn wait_for(&self, text: &str) -> String {
        let (lock, changed) = &*self.0;
        let deadline = Instant::now() + BOUND;
        let mut state = lock.lock().unwrap();
        loop {
            let seen = String::from_utf8_lossy(&state.0).into_owned();
            if seen.contains(text) {
                return seen;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero() && !state.1,
                "never saw {text:?}; output so far: {seen:?}"
            );
            state = changed.wait_timeout(state, left).unwrap().0;
        }
    }

    /// Waits for the end of the output.
    fn wait_for_end(&self) -> String {
        let (lock, changed) = &*self.0;
        let deadline = Instant::now() + BOUND;
        let mut state = lock.lock().unwrap();
        while !state.1 {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "the output never ended");
            state = changed.wait_timeout(state, left).unwrap().0;
        }
        String::from_utf8_lossy(&state.0).into_owned()
    }
}

/// A child process, killed on drop.
struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Output,
}

impl Peer {
    fn spawn(mut command: Command) -> Peer {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the peer");
        let stdin = child.stdin.take();
        let stdout = Output::collect(child.stdout.take().unwrap());
        Peer {
            child,
            stdin,
            stdout,
        }
    }

    fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ----- ironboa with itself -----

#[test]
fn ironboa_client_and_server_agree_and_report_what_they_agreed() {
    let certs = Certs::new();
    let (server, rx) = start(ServerConfig::default().tls(certs.server_tls()));
    let conn = converse(server.local_addr().port(), certs.client_tls());

    let ours = conn.tls_info().expect("the client's TLS info").clone();
    assert_eq!(ours.protocol_version(), "TLSv1.3");
    assert!(ours.cipher_suite().starts_with("TLS13_"), "{ours:?}");
    assert_eq!(ours.server_name(), Some("localhost"));
    assert_eq!(
        ours.peer_certificate(),
        Some(&Certs::der(&certs.cert())[..])
    );
    assert_eq!(
        conn.get_extra_info("ssl_object").as_deref(),
        Some("TLSv1.3")
    );
    let pem = conn.get_extra_info("peercert").unwrap();
    assert_eq!(pem, std::fs::read_to_string(certs.cert()).unwrap());

    let seen = report(&rx);
    let theirs = seen.tls.expect("the handler's TLS info");
    assert_eq!(theirs.server_name(), Some("localhost"));
    assert_eq!(theirs.cipher_suite(), ours.cipher_suite());
    assert_eq!(theirs.peer_certificate(), None, "no client auth configured");
    assert_eq!(seen.ssl_object.as_deref(), Some("TLSv1.3"));
    assert_eq!(
        seen.lines,
        vec![Ok("hello over tls".to_owned()), Ok("quit".to_owned())]
    );
    drop(conn);
    assert!(server.shutdown());
}

#[test]
fn the_handler_sees_the_client_certificate_when_client_auth_is_configured() {
    let certs = Certs::new();
    let (client_cert, client_key) = certs.make("client", &["client.example"], None);
    let tls =
        TlsServerConfig::from_pem_files_with_client_auth(certs.cert(), certs.key(), &client_cert)
            .unwrap();
    let (server, rx) = start(ServerConfig::default().tls(tls));
    let port = server.local_addr().port();

    // Without a certificate the handshake fails on both sides, and no handler runs.
    let refused = TelnetConnection::connect(("127.0.0.1", port), client_config(certs.client_tls()));
    match refused {
        Err(Error::Tls { .. }) | Err(Error::Closed) => {}
        Ok(conn) => {
            // TLS 1.3: the client learns of the refusal at its first read.
            assert!(conn.read_until("> ", T).is_err());
        }
        Err(other) => panic!("{other:?}"),
    }

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let mut roots = rustls::RootCertStore::empty();
    roots.add(Certs::der(&certs.cert()).into()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_client_auth_cert(
        vec![CertificateDer::from_pem_file(&client_cert).unwrap()],
        PrivateKeyDer::from_pem_file(&client_key).unwrap(),
    )
    .unwrap();
    let tls = TlsClientConfig::from_rustls(Arc::new(config)).server_name("localhost");
    drop(converse(port, tls));
    let seen = report(&rx);
    let theirs = seen.tls.unwrap();
    assert_eq!(
        theirs.peer_certificate(),
        Some(&Certs::der(&client_cert)[..])
    );
    assert!(server.shutdown());
}

#[test]
fn a_handler_blocked_in_readline_while_other_threads_write_gets_whole_writes() {
    let certs = Certs::new();
    let config = ServerConfig::default()
        .tls(certs.server_tls())
        .connect_maxwait(Duration::from_millis(300));
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    // Lines longer than a TLS record (16 KiB), from two threads at once, while the handler
    // reads and echoes: every line must arrive whole.
    const LINES: usize = 40;
    const LEN: usize = 40 * 1024;
    server
        .serve_in_background(|conn| {
            let writers: Vec<_> = ["a", "b"]
                .into_iter()
                .map(|tag| {
                    let conn = conn.clone();
                    thread::spawn(move || {
                        for i in 0..LINES {
                            let body = tag.repeat(LEN);
                            if conn.send(&format!("{tag}{i:03}{body}\n")).is_err() {
                                return;
                            }
                        }
                    })
                })
                .collect();
            while let Ok(line) = conn.readline(T) {
                if line == "quit" {
                    break;
                }
                if conn.send(&format!("echo:{line}\n")).is_err() {
                    break;
                }
            }
            for writer in writers {
                writer.join().unwrap();
            }
        })
        .unwrap();
    let conn = TelnetConnection::connect(
        ("127.0.0.1", server.local_addr().port()),
        client_config(certs.client_tls()),
    )
    .unwrap();
    let mut counts = [0usize; 2];
    let mut echoes = 0;
    let mut asked = 0;
    while counts != [LINES, LINES] || echoes < asked {
        if asked < 20 {
            conn.send(&format!("ping{asked}\n")).unwrap();
            asked += 1;
        }
        let line = conn.readline(T).unwrap();
        match line.as_bytes().first() {
            Some(b'a') | Some(b'b') => {
                let tag = &line[..1];
                let index = if tag == "a" { 0 } else { 1 };
                assert_eq!(line.len(), 4 + LEN, "a line cut or mixed: {}", &line[..20]);
                assert_eq!(line[1..4].parse::<usize>().unwrap(), counts[index]);
                assert!(line[4..].bytes().all(|b| b == tag.as_bytes()[0]), "mixed");
                counts[index] += 1;
            }
            _ => {
                assert_eq!(line, format!("echo:ping{echoes}"));
                echoes += 1;
            }
        }
    }
    conn.send("quit\n").unwrap();
    drop(conn);
    assert!(server.shutdown());
}

#[test]
fn the_server_ends_with_close_notify_and_sees_the_clients() {
    let certs = Certs::new();
    let (server, rx) = start(ServerConfig::default().tls(certs.server_tls()));
    let port = server.local_addr().port();

    // The handler returns after "quit": the server closes with close_notify, which rustls
    // reads as a clean end (Ok(0)), not as an unexpected EOF.
    let mut stream = raw_tls_client(port, &certs.cert());
    stream.write_all(b"quit\r\n").unwrap();
    let mut all = Vec::new();
    stream
        .read_to_end(&mut all)
        .expect("a clean end with close_notify");
    let text = String::from_utf8_lossy(&all);
    assert!(
        text.contains("Ready (secure: TLSv1.3, sni localhost)."),
        "{text:?}"
    );
    assert!(text.ends_with("bye\r\n"), "{text:?}");
    assert_eq!(report(&rx).lines, vec![Ok("quit".to_owned())]);

    // A client that sends close_notify after its line: the handler gets the line, then the
    // end of the stream.
    let mut stream = raw_tls_client(port, &certs.cert());
    read_greeting(&mut stream);
    stream.write_all(b"last words\r\n").unwrap();
    stream.conn.send_close_notify();
    stream.flush().unwrap();
    let seen = report(&rx);
    assert_eq!(
        seen.lines,
        vec![Ok("last words".to_owned()), Err("Closed".to_owned())]
    );
    drop(stream);
    assert!(server.shutdown());
}

// ----- real peers -----

#[test]
fn openssl_s_client_gets_the_greeting_and_its_echo() {
    if !have_program("openssl") {
        return;
    }
    let certs = Certs::new();
    let (server, rx) = start(ServerConfig::default().tls(certs.server_tls()));
    let port = server.local_addr().port();
    let mut command = Command::new("openssl");
    command.args(["s_client", "-connect", &format!("127.0.0.1:{port}")]);
    command.args(["-quiet", "-servername", "localhost", "-verify_return_error"]);
    command.arg("-CAfile").arg(certs.cert());
    let mut peer = Peer::spawn(command);
    // s_client passes the Telnet bytes through as they are: our DO TTYPE, then the greeting.
    let greeting = peer.stdout.wait_for("> ");
    assert!(greeting.starts_with("\u{fffd}\u{fffd}\x18"), "{greeting:?}");
    assert!(
        greeting.contains("Ready (secure: TLSv1.3, sni localhost).\r\n> "),
        "{greeting:?}"
    );
    peer.type_line("hello from openssl\r\n");
    peer.stdout.wait_for("echo: hello from openssl\r\n> ");
    peer.type_line("quit\r\n");
    let all = peer.stdout.wait_for_end();
    assert!(all.ends_with("bye\r\n"), "{all:?}");
    let seen = report(&rx);
    let tls = seen.tls.unwrap();
    assert_eq!(tls.protocol_version(), "TLSv1.3");
    assert_eq!(tls.server_name(), Some("localhost"));
    assert_eq!(
        seen.lines,
        vec![Ok("hello from openssl".to_owned()), Ok("quit".to_owned())]
    );
    assert!(server.shutdown());
}

#[test]
fn telnetlib3_client_with_the_ca_file_negotiates_and_echoes() {
    let Some(python) = python() else { return };
    let certs = Certs::new();
    let (server, rx) = start(ServerConfig::default().tls(certs.server_tls()));
    let port = server.local_addr().port();
    let mut command = Command::new(python.with_file_name("telnetlib3-client"));
    command.arg("--ssl").arg("--ssl-cafile").arg(certs.cert());
    command
        .args(["127.0.0.1", &port.to_string()])
        .env("TERM", "xterm");
    let mut peer = Peer::spawn(command);
    // telnetlib3 negotiates as it does in plain Telnet: its terminal type reaches the handler.
    let greeting = peer.stdout.wait_for("> ");
    assert!(
        greeting.contains("Ready (secure: TLSv1.3, sni -)."),
        "telnetlib3 sends no SNI for an IP address: {greeting:?}"
    );
    peer.type_line("hello from telnetlib3\n");
    peer.stdout.wait_for("echo: hello from telnetlib3");
    peer.type_line("quit\n");
    // The server's "bye" and its close_notify arrive in one read, and telnetlib3-client
    // 5.0.1 drops data it has not processed when the connection ends
    // (client_base.py, connection_lost clears _rx_queue): only the end is certain to show.
    peer.stdout.wait_for("Connection closed by foreign host.");
    let seen = report(&rx);
    assert_eq!(seen.tls.unwrap().protocol_version(), "TLSv1.3");
    assert_eq!(
        seen.lines,
        vec![
            Ok("hello from telnetlib3".to_owned()),
            Ok("quit".to_owned())
        ]
    );
    drop(peer);
    assert!(server.shutdown());
}

#[test]
fn ironboa_client_against_telnetlib3_server_over_tls() {
    let Some(python) = python() else { return };
    let certs = Certs::new();
    let port = free_port();
    let mut command = Command::new(python.with_file_name("telnetlib3-server"));
    command.arg("--ssl-certfile").arg(certs.cert());
    command.arg("--ssl-keyfile").arg(certs.key());
    command.args(["127.0.0.1", &port.to_string()]);
    let _server = PeerServer::start(command, port);
    let conn =
        TelnetConnection::connect(("127.0.0.1", port), client_config(certs.client_tls())).unwrap();
    // telnetlib3's shell says what TLS it runs, and negotiates as it does in plain Telnet.
    assert_eq!(
        conn.read_until("tel:sh> ", T).unwrap(),
        "Ready (secure: TLSv1.3).\r\ntel:sh> "
    );
    assert_eq!(conn.tls_info().unwrap().protocol_version(), "TLSv1.3");
    assert_eq!(
        conn.get_extra_info("server_hostname").as_deref(),
        Some("localhost")
    );
    conn.send("help\n").unwrap();
    let help = conn.read_until("tel:sh> ", T).unwrap();
    assert!(help.contains("quit"), "{help:?}");
    conn.send("quit\n").unwrap();
    let mut rest = String::new();
    while let Ok(text) = conn.read_some_text() {
        rest.push_str(&text);
    }
    assert!(rest.contains("Goodbye"), "{rest:?}");
}

/// `read` until the end of the stream, as text.
trait ReadSome {
    fn read_some_text(&self) -> ironboa::Result<String>;
}

impl ReadSome for TelnetConnection {
    fn read_some_text(&self) -> ironboa::Result<String> {
        self.read(4096, T)
    }
}

// ----- TLS-auto -----

#[test]
fn tls_auto_serves_tls_plain_and_silent_plain_clients_on_one_port() {
    let certs = Certs::new();
    let auto = Duration::from_millis(500);
    let tls = certs.server_tls().tls_auto(Some(auto));
    let (server, rx) = start(ServerConfig::default().tls(tls));
    let port = server.local_addr().port();

    // A TLS client.
    drop(converse(port, certs.client_tls()));
    assert_eq!(report(&rx).tls.unwrap().protocol_version(), "TLSv1.3");

    // A plain client that speaks first: its first byte decides, and is not lost.
    let mut plain = TcpStream::connect(("127.0.0.1", port)).unwrap();
    plain.set_read_timeout(Some(BOUND)).unwrap();
    plain.write_all(b"hello plain\r\nquit\r\n").unwrap();
    let mut all = Vec::new();
    plain.read_to_end(&mut all).unwrap();
    let text = String::from_utf8_lossy(&all);
    assert!(text.contains("Ready.\r\n> "), "{text:?}");
    let seen = report(&rx);
    assert!(seen.tls.is_none() && seen.ssl_object.is_none());
    assert_eq!(
        seen.lines,
        vec![Ok("hello plain".to_owned()), Ok("quit".to_owned())]
    );

    // Python's telnetlib waits for the server to speak: it is served once the timeout passes.
    if python().is_some() {
        let started = Instant::now();
        let out = support::peers::drive(
            "stdlib",
            port,
            &[
                "until:> ",
                "write:hi\\r\\n",
                "until:> ",
                "write:quit\\r\\n",
                "eof",
            ],
        );
        assert!(started.elapsed() >= auto, "greeted before the timeout");
        assert_eq!(out[0].1, "Ready.\r\n> ");
        assert_eq!(out[1].1, "echo: hi\r\n> ");
        assert_eq!(out[2].1, "bye\r\n");
        let seen = report(&rx);
        assert!(seen.tls.is_none());
    }

    // A silent raw client too, timed: greeted after the timeout, without TLS.
    let mut silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let started = Instant::now();
    silent.set_read_timeout(Some(BOUND)).unwrap();
    let mut first = [0u8; 3];
    silent.read_exact(&mut first).unwrap();
    let waited = started.elapsed();
    assert_eq!(first, [0xff, 0xfd, 0x18], "IAC DO TTYPE, in the clear");
    assert!(
        waited >= auto && waited < auto + Duration::from_secs(5),
        "{waited:?}"
    );
    drop(silent);
    assert!(server.shutdown());
}

// ----- certificates the client must refuse -----

#[test]
fn the_client_refuses_a_self_signed_certificate_without_its_ca() {
    let certs = Certs::new();
    let (server, _rx) = start(ServerConfig::default().tls(certs.server_tls()));
    let port = server.local_addr().port();
    // Another certificate as the only trusted one: the server's is then unknown.
    let (other, _) = certs.make("other", &["localhost"], None);
    let untrusted = TlsClientConfig::with_ca_file(&other)
        .unwrap()
        .server_name("localhost");
    let error = TelnetConnection::connect(("127.0.0.1", port), client_config(untrusted))
        .expect_err("an unknown issuer must be refused");
    assert!(
        matches!(
            error,
            Error::Tls {
                reason: TlsError::UnknownIssuer
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("not signed by a trusted authority"),
        "{error}"
    );
    // The system's store does not know a certificate made a moment ago either.
    match TlsClientConfig::system_roots() {
        Ok(system) => {
            let error = TelnetConnection::connect(
                ("127.0.0.1", port),
                client_config(system.server_name("localhost")),
            )
            .expect_err("an unknown issuer must be refused");
            assert!(
                matches!(
                    error,
                    Error::Tls {
                        reason: TlsError::UnknownIssuer
                    }
                ),
                "{error:?}"
            );
        }
        Err(error) => assert!(
            matches!(
                error,
                Error::Tls {
                    reason: TlsError::Config(_)
                }
            ),
            "{error:?}"
        ),
    }
    // The server went on serving.
    drop(converse(port, certs.client_tls()));
    assert!(server.shutdown());
}

#[test]
fn an_expired_certificate_and_a_wrong_host_are_errors_with_their_reason() {
    let certs = Certs::new();
    let (expired_cert, expired_key) = certs.make("expired", &["localhost"], Some(()));
    let tls = TlsServerConfig::from_pem_files(&expired_cert, &expired_key).unwrap();
    let (server, _rx) = start(ServerConfig::default().tls(tls));
    let trusting = TlsClientConfig::with_ca_file(&expired_cert)
        .unwrap()
        .server_name("localhost");
    let error = TelnetConnection::connect(
        ("127.0.0.1", server.local_addr().port()),
        client_config(trusting),
    )
    .expect_err("an expired certificate must be refused");
    assert!(
        matches!(
            error,
            Error::Tls {
                reason: TlsError::CertificateExpired
            }
        ),
        "{error:?}"
    );
    assert!(server.shutdown());

    let (server, _rx) = start(ServerConfig::default().tls(certs.server_tls()));
    let port = server.local_addr().port();
    let wrong_host = TlsClientConfig::with_ca_file(certs.cert())
        .unwrap()
        .server_name("telnet.example.org");
    let error = TelnetConnection::connect(("127.0.0.1", port), client_config(wrong_host))
        .expect_err("a certificate for another host must be refused");
    match &error {
        Error::Tls {
            reason: TlsError::CertificateNotValidForName { name },
        } => assert_eq!(name, "telnet.example.org"),
        other => panic!("{other:?}"),
    }
    // Without a name, the address is checked: the test certificate names 127.0.0.1 too.
    let by_address = TlsClientConfig::with_ca_file(certs.cert()).unwrap();
    let conn = TelnetConnection::connect(("127.0.0.1", port), client_config(by_address)).unwrap();
    assert_eq!(conn.tls_info().unwrap().server_name(), None);
    drop(conn);
    // No verification connects to anything (and says it does not verify).
    let anything = TlsClientConfig::no_verify().server_name("telnet.example.org");
    assert!(!anything.verifies());
    let conn = TelnetConnection::connect(("127.0.0.1", port), client_config(anything)).unwrap();
    assert!(
        conn.read_until("> ", T)
            .unwrap()
            .starts_with("Ready (secure: TLSv1.3")
    );
    drop(conn);
    assert!(server.shutdown());
}

#[test]
fn configuration_files_that_cannot_be_used_are_config_errors() {
    let certs = Certs::new();
    let missing = certs.dir.join("missing.pem");
    let error = TlsServerConfig::from_pem_files(&missing, certs.key()).unwrap_err();
    assert!(
        matches!(&error, Error::Tls { reason: TlsError::Config(why) } if why.contains("missing.pem")),
        "{error:?}"
    );
    // A key file given as the certificate: no certificate in it.
    let error = TlsServerConfig::from_pem_files(certs.key(), certs.key()).unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Tls {
                reason: TlsError::Config(_)
            }
        ),
        "{error:?}"
    );
    // A key that is not the certificate's.
    let (_, other_key) = certs.make("other", &["localhost"], None);
    let error = TlsServerConfig::from_pem_files(certs.cert(), &other_key).unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Tls {
                reason: TlsError::Config(_)
            }
        ),
        "{error:?}"
    );
    let error = TlsClientConfig::with_ca_file(&missing).unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Tls {
                reason: TlsError::Config(_)
            }
        ),
        "{error:?}"
    );
    // The certificate and its key in one file, given as both (as `--ssl-certfile` alone).
    let both = certs.dir.join("both.pem");
    let mut pem = std::fs::read(certs.cert()).unwrap();
    pem.extend(std::fs::read(certs.key()).unwrap());
    std::fs::write(&both, pem).unwrap();
    let tls = TlsServerConfig::from_pem_files(&both, &both).unwrap();
    let (server, _rx) = start(ServerConfig::default().tls(tls));
    drop(converse(server.local_addr().port(), certs.client_tls()));
    assert!(server.shutdown());
}

// ----- hostile peers against a running server -----

/// Connects a TLS client and checks it is served (the server goes on after a hostile peer).
fn still_serving(port: u16, certs: &Certs, rx: &mpsc::Receiver<Seen>) {
    drop(converse(port, certs.client_tls()));
    assert!(report(rx).tls.is_some());
}

/// Reads until the server ends the connection (EOF or a reset), returning what came and how
/// long it took; fails the test after [`BOUND`].
fn read_to_close(stream: &mut TcpStream) -> (Vec<u8>, Duration) {
    let started = Instant::now();
    stream.set_read_timeout(Some(BOUND)).unwrap();
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server did not close within {BOUND:?}: {e}"),
        }
    }
    (all, started.elapsed())
}

/// A connection to `port` with small socket buffers (16 KiB each way, which Linux doubles).
fn small_buffers_connect(port: u16) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(16 * 1024).unwrap();
    socket.set_send_buffer_size(16 * 1024).unwrap();
    socket
        .connect(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into())
        .unwrap();
    socket.into()
}

/// A real ClientHello, as rustls makes one.
fn client_hello() -> Vec<u8> {
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut hello = Vec::new();
    connection.write_tls(&mut hello).unwrap();
    assert_eq!(hello[0], 0x16);
    hello
}

#[test]
fn a_plain_telnet_client_on_a_tls_only_port_is_told_and_closed() {
    let certs = Certs::new();
    let tls = certs.server_tls().handshake_timeout(Duration::from_secs(2));
    let (server, rx) = start(ServerConfig::default().tls(tls));
    let port = server.local_addr().port();

    // One that speaks first is told at once, in the clear.
    let mut plain = TcpStream::connect(("127.0.0.1", port)).unwrap();
    plain.write_all(b"hello\r\n").unwrap();
    let (said, took) = read_to_close(&mut plain);
    let said = String::from_utf8_lossy(&said);
    assert!(said.contains("TELNETS"), "{said:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");

    // One that waits for the server (telnetlib, telnet) is closed at the handshake deadline.
    let mut silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (said, took) = read_to_close(&mut silent);
    assert!(said.is_empty(), "{said:?}");
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(6),
        "{took:?}"
    );
    still_serving(port, &certs, &rx);
    assert!(server.shutdown());
}

#[test]
fn a_tls_client_on_a_plain_port_fails_with_not_tls() {
    let certs = Certs::new();
    let (server, rx) = start(ServerConfig::default());
    let port = server.local_addr().port();
    let started = Instant::now();
    let error = TelnetConnection::connect(("127.0.0.1", port), client_config(certs.client_tls()))
        .expect_err("a plain server is not TLS");
    // The plain server's first bytes are IAC DO TTYPE.
    assert!(
        matches!(
            error,
            Error::Tls {
                reason: TlsError::NotTls { first_byte: 0xff }
            }
        ),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // The plain server saw garbage (our ClientHello) and the end, during its opening
    // negotiation (no handler ran), and goes on serving plain clients.
    let conn = TelnetConnection::connect(("127.0.0.1", port), ClientConfig::default()).unwrap();
    assert_eq!(conn.read_until("> ", T).unwrap(), "Ready.\r\n> ");
    drop(conn);
    assert!(report(&rx).tls.is_none());
    assert!(rx.try_recv().is_err(), "one handler ran");
    assert!(server.shutdown());
}

#[test]
fn a_handshake_at_one_byte_per_second_fails_at_its_deadline() {
    let certs = Certs::new();
    let deadline = Duration::from_secs(2);
    let tls = certs.server_tls().handshake_timeout(deadline);
    let (server, rx) = start(ServerConfig::default().tls(tls));
    let port = server.local_addr().port();
    let hello = client_hello();
    let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let started = Instant::now();
    let mut sent = 0;
    // Drip the ClientHello a byte a second; the pace is the point of this test.
    let closed_at = loop {
        if slow.write_all(&hello[sent..sent + 1]).is_err() {
            break started.elapsed();
        }
        sent += 1;
        let mut probe = [0u8; 1];
        slow.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
        match slow.read(&mut probe) {
            Ok(0) => break started.elapsed(),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break started.elapsed(),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            other => panic!("the server answered a partial ClientHello: {other:?}"),
        }
        assert!(started.elapsed() < BOUND, "never closed");
    };
    assert!(sent < hello.len(), "the drip finished the ClientHello");
    assert!(
        closed_at >= deadline && closed_at < deadline + Duration::from_secs(2),
        "closed after {closed_at:?} for a {deadline:?} deadline"
    );
    still_serving(port, &certs, &rx);
    assert!(server.shutdown());
}

#[test]
fn a_garbage_client_hello_gets_an_alert_and_the_close_at_once() {
    let certs = Certs::new();
    let (server, rx) = start(ServerConfig::default().tls(certs.server_tls()));
    let port = server.local_addr().port();

    // A handshake record holding a ClientHello whose body is garbage.
    let mut garbage = vec![0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c];
    garbage.extend((0..0x3cu8).map(|i| i.wrapping_mul(37)));
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(&garbage).unwrap();
    let (answer, took) = read_to_close(&mut stream);
    assert_eq!(answer.first(), Some(&0x15), "a TLS alert: {answer:02x?}");
    assert!(took < Duration::from_secs(2), "{took:?}");

    // A ClientHello that claims to be endless: the server stops reading it long before the
    // 16 MiB the peer would send (rustls keeps at most 64 KiB of one handshake message). A
    // small send buffer here keeps what the kernels hold for the peer small too, so what
    // was sent before the reset is about what the server read.
    let mut stream = small_buffers_connect(port);
    stream.set_write_timeout(Some(BOUND)).unwrap();
    let mut hello = client_hello();
    hello.truncate(5);
    hello[3] = 0x40; // a record of 16 KiB
    hello[4] = 0x00;
    let mut flood = hello;
    // A handshake message header that claims 16 MiB, then filler records.
    flood.extend_from_slice(&[0x01, 0xff, 0xff, 0xff]);
    flood.resize(5 + 0x4000, 0);
    let record = {
        let mut record = vec![0x16, 0x03, 0x03, 0x40, 0x00];
        record.resize(5 + 0x4000, 0);
        record
    };
    let started = Instant::now();
    let mut sent = 0usize;
    let mut result = stream.write_all(&flood);
    while result.is_ok() && sent < 16 << 20 {
        sent += record.len();
        result = stream.write_all(&record);
    }
    assert!(
        result.is_err(),
        "the server took all {sent} bytes of an endless ClientHello"
    );
    assert!(sent < 1 << 20, "{sent} bytes taken before the close");
    assert!(started.elapsed() < Duration::from_secs(5));
    still_serving(port, &certs, &rx);
    assert!(server.shutdown());
}

#[test]
fn a_peer_that_closes_without_close_notify_is_the_end_of_the_stream() {
    let certs = Certs::new();
    let (server, rx) = start(ServerConfig::default().tls(certs.server_tls()));
    let port = server.local_addr().port();
    let mut stream = raw_tls_client(port, &certs.cert());
    read_greeting(&mut stream);
    stream.write_all(b"half a conversation\r\n").unwrap();
    stream.flush().unwrap();
    // The TCP stream ends with no close_notify before it.
    stream.sock.shutdown(Shutdown::Both).unwrap();
    let seen = report(&rx);
    assert_eq!(
        seen.lines,
        vec![
            Ok("half a conversation".to_owned()),
            Err("Closed".to_owned())
        ]
    );
    still_serving(port, &certs, &rx);
    assert!(server.shutdown());
}

#[test]
fn a_client_that_floods_records_and_never_reads_is_closed_at_the_write_timeout() {
    let certs = Certs::new();
    let config = ServerConfig::default()
        .tls(certs.server_tls())
        .write_timeout(Duration::from_secs(2));
    // Small socket buffers on both sides, so that the echoes fill them soon.
    let (server, rx) = start_with(config, |conn| {
        conn.socket()
            .unwrap()
            .set_send_buffer_size(16 * 1024)
            .unwrap();
    });
    let port = server.local_addr().port();
    let mut stream = raw_tls_over(small_buffers_connect(port), &certs.cert());
    stream.sock.set_write_timeout(Some(BOUND)).unwrap();
    read_greeting(&mut stream);
    // Lines that each get an echo, never read: the echoes fill the socket buffers, the
    // handler's write waits, and fails at the write timeout.
    let mut chunk = Vec::new();
    for _ in 0..16 {
        chunk.extend_from_slice(&[b'x'; 1000]);
        chunk.extend_from_slice(b"\r\n");
    }
    let started = Instant::now();
    let mut sent = 0usize;
    let outcome = loop {
        // Records straight to the socket: rustls' own stream would read now and then.
        stream.conn.writer().write_all(&chunk).unwrap();
        let mut written = Ok(0);
        while stream.conn.wants_write() && written.is_ok() {
            written = stream.conn.write_tls(&mut stream.sock);
        }
        if let Err(error) = written {
            break Err(error);
        }
        sent += chunk.len();
        if let Ok(seen) = rx.try_recv() {
            break Ok(seen);
        }
        assert!(started.elapsed() < BOUND, "still open after {sent} bytes");
    };
    let seen = match outcome {
        Ok(seen) => seen,
        Err(_) => report(&rx),
    };
    // The write that timed out was the handler's, or the drainer's for output the reading
    // side queued (a GA): the handler's send then finds the connection closed.
    let last = seen.lines.last().unwrap();
    assert!(
        last == &Err("send: Timeout { operation: Write }".to_owned())
            || last == &Err("send: Closed".to_owned()),
        "{last:?} after {sent} bytes"
    );
    // The write timeout runs from the moment the server's writes stall (after the buffers
    // fill, which takes a debug build a few seconds), not from the first byte.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(12),
        "{took:?} for a 2 s write timeout"
    );
    still_serving(port, &certs, &rx);
    assert!(server.shutdown());
}

#[test]
fn a_handshake_timeout_is_a_timeout_error_for_the_client() {
    // A server that accepts and never answers: the client's handshake has its own deadline.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let certs = Certs::new();
    let tls = certs
        .client_tls()
        .handshake_timeout(Duration::from_millis(500));
    let started = Instant::now();
    let error = TelnetConnection::connect(("127.0.0.1", port), client_config(tls)).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timeout {
                operation: Operation::TlsHandshake
            }
        ),
        "{error:?}"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(3),
        "{took:?}"
    );
    drop(listener);
}

#[test]
fn a_self_signed_ca_certificate_as_openssl_makes_it_is_trusted_as_itself() {
    // PEERS.md's recipe (and telnetlib3's docs'): `openssl req -x509` marks the certificate
    // CA:TRUE, which WebPKI alone refuses as a server's own; OpenSSL's clients accept it.
    if !have_program("openssl") {
        return;
    }
    let certs = Certs::new();
    let cert = certs.dir.join("openssl.pem");
    let key = certs.dir.join("openssl-key.pem");
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success());
    assert!(std::fs::read_to_string(&cert).is_ok());
    let tls = TlsServerConfig::from_pem_files(&cert, &key).unwrap();
    let (server, rx) = start(ServerConfig::default().tls(tls));
    let port = server.local_addr().port();
    let trusting = TlsClientConfig::with_ca_file(&cert)
        .unwrap()
        .server_name("localhost");
    let conn = converse(port, trusting);
    assert_eq!(
        conn.tls_info().unwrap().peer_certificate(),
        Some(&Certs::der(&cert)[..])
    );
    drop(conn);
    assert!(report(&rx).tls.is_some());
    // Trusted as itself, not for any name.
    let wrong_host = TlsClientConfig::with_ca_file(&cert)
        .unwrap()
        .server_name("telnet.example.org");
    let error = TelnetConnection::connect(("127.0.0.1", port), client_config(wrong_host))
        .expect_err("another host's name must be refused");
    assert!(
        matches!(
            error,
            Error::Tls {
                reason: TlsError::CertificateNotValidForName { .. }
            }
        ),
        "{error:?}"
    );
    // Another CA certificate in the file trusts nothing about this one.
    let (other, _) = certs.make_with("other-ca", &["localhost"], None, true);
    let other = TlsClientConfig::with_ca_file(&other)
        .unwrap()
        .server_name("localhost");
    let error = TelnetConnection::connect(("127.0.0.1", port), client_config(other))
        .expect_err("an unknown certificate must be refused");
    assert!(
        matches!(
            error,
            Error::Tls {
                reason: TlsError::UnknownIssuer
            }
        ),
        "{error:?}"
    );
    assert!(server.shutdown());

    // And its dates still count.
    let (expired_cert, expired_key) = certs.make_with("expired-ca", &["localhost"], Some(()), true);
    let tls = TlsServerConfig::from_pem_files(&expired_cert, &expired_key).unwrap();
    let (server, _rx) = start(ServerConfig::default().tls(tls));
    let trusting = TlsClientConfig::with_ca_file(&expired_cert)
        .unwrap()
        .server_name("localhost");
    let error = TelnetConnection::connect(
        ("127.0.0.1", server.local_addr().port()),
        client_config(trusting),
    )
    .expect_err("an expired certificate must be refused");
    assert!(
        matches!(
            error,
            Error::Tls {
                reason: TlsError::CertificateExpired
            }
        ),
        "{error:?}"
    );
    assert!(server.shutdown());
}

#[test]
fn a_key_update_is_answered_before_the_next_data_and_the_stream_goes_on() {
    let certs = Certs::new();
    let (server, rx) = start(ServerConfig::default().tls(certs.server_tls()));
    let port = server.local_addr().port();
    let mut stream = raw_tls_client(port, &certs.cert());
    read_greeting(&mut stream);
    // A KeyUpdate that asks for the server's own, then a line. rustls sends its answer just
    // before its next record (RFC 8446 4.6.3), through the output layer: the echo must come
    // after a record with no data in it, under the new keys.
    // (What came after the prompt, an IAC GA, may wait in the client still: not counted.)
    let _ = stream.conn.reader().read_to_end(&mut Vec::new());
    stream.conn.refresh_traffic_keys().unwrap();
    stream
        .conn
        .writer()
        .write_all(b"after the update\r\n")
        .unwrap();
    while stream.conn.wants_write() {
        stream.conn.write_tls(&mut stream.sock).unwrap();
    }
    stream.sock.set_read_timeout(Some(BOUND)).unwrap();
    let mut plaintext = Vec::new();
    let mut records_without_data = 0;
    while !String::from_utf8_lossy(&plaintext).contains("echo: after the update\r\n> ") {
        let mut header = [0u8; 5];
        stream.sock.read_exact(&mut header).expect("the echo");
        assert_eq!(header[0], 0x17, "a TLS 1.3 record");
        let mut whole = header.to_vec();
        whole.resize(
            5 + usize::from(u16::from_be_bytes([header[3], header[4]])),
            0,
        );
        stream.sock.read_exact(&mut whole[5..]).unwrap();
        stream.conn.read_tls(&mut &whole[..]).unwrap();
        stream.conn.process_new_packets().expect("a valid record");
        let before = plaintext.len();
        let _ = stream.conn.reader().read_to_end(&mut plaintext);
        if plaintext.len() == before {
            records_without_data += 1;
        }
    }
    assert_eq!(records_without_data, 1, "the server's KeyUpdate, once");
    stream.write_all(b"quit\r\n").unwrap();
    assert_eq!(
        report(&rx).lines,
        vec![Ok("after the update".to_owned()), Ok("quit".to_owned())]
    );
    assert!(server.shutdown());
}
