//! `--pty-exec`: each connection runs a program on its own pseudo-terminal.
//!
//! The program is exactly the one given, with exactly the arguments given: nothing the peer
//! sends is ever part of a command line. From the peer only the terminal type (when it is a
//! terminal name), the window size (and its updates) and well-formed locale variables reach the
//! program's environment.
//!
//! Two threads serve a connection. The handler's thread reads the peer and writes to the pty
//! without ever blocking on it: input the program has not taken yet waits in a bounded buffer,
//! and past it the peer is not read (but its Telnet commands still are, and its leaving, the
//! idle timeout and shutdown are still seen). A second thread copies the program's output to the
//! peer. Telnet's interrupt commands become the pty's own control characters, read from its
//! termios each time, as a terminal would send them (inetutils telnetd does the same): IP the
//! interrupt character, BRK and ABORT the quit character, SUSP the suspend character and EOF
//! the end-of-file character; AO discards the program's output not yet sent. The TIMING-MARK a
//! client asks for after them is answered by the engine.
//!
//! The connection ends when the program exits (even if a background job still holds the
//! terminal), when the peer leaves, or when the server shuts down; the session is then hung up
//! (see [`reaper`](crate::reaper)).

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use filedescriptor::{FileDescriptor, POLLIN, poll, pollfd};
use ironboa::{Command, Error, Event, ServerConnection};
use nix::sys::termios::{self, FlushArg, LocalFlags, SetArg, SpecialCharacterIndices};
use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};

use crate::reaper::Session;
use crate::sanitize;

/// Whether a value is of the kind a variable holds.
type WellFormed = fn(&str) -> bool;

/// The environment variables a client may set for the program (NEW_ENVIRON), each checked for
/// the kind of value it holds. Anything else it reports (LD_PRELOAD, PATH, ...) is ignored.
const PASSED_ENVIRONMENT: &[(&str, WellFormed)] = &[
    ("LANG", sanitize::is_locale_name),
    ("LC_ALL", sanitize::is_locale_name),
    ("LC_CTYPE", sanitize::is_locale_name),
    ("LC_MESSAGES", sanitize::is_locale_name),
    ("COLORTERM", sanitize::is_colorterm),
];
/// The TERM of a client whose terminal type is not a terminal name.
const FALLBACK_TERM: &str = "dumb";
/// How often the handler looks at the program (has it exited? a new window size?) while the
/// peer sends nothing, and how soon a Telnet command that came alone is acted on.
const TICK: Duration = Duration::from_millis(100);
/// The most input held for a program that does not read it; past it the peer is not read.
const MAX_PENDING: usize = 64 * 1024;
/// How long the output thread waits for the program before it looks whether it should stop
/// (it is woken at once by output, and by the terminal closing).
const OUTPUT_POLL: Duration = Duration::from_millis(500);
/// How long the program's last output may take to reach the peer once its session is over.
const OUTPUT_DRAIN: Duration = Duration::from_secs(1);

/// What to run.
#[derive(Clone, Debug)]
pub struct Program {
    pub path: String,
    pub args: Vec<String>,
    /// The client edits lines itself (`--line-mode`): it echoes what is typed, so the program's
    /// terminal does not.
    pub line_mode: bool,
}

fn size_of(conn: &ServerConnection) -> PtySize {
    PtySize {
        rows: conn.rows(),
        cols: conn.columns(),
        pixel_width: 0,
        pixel_height: 0,
    }
}

/// Runs `program` for `conn` until either ends.
pub fn run(program: &Program, conn: ServerConnection) {
    if let Err(error) = serve(program, &conn) {
        log::warn!("{}: --pty-exec {}: {error}", conn.addrport(), program.path);
        let _ = conn.send(&format!("\ncannot start {}: {error}\n", program.path));
    }
}

/// A descriptor number, for `FileDescriptor::dup`.
struct Raw(RawFd);

impl AsRawFd for Raw {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

fn command_for(program: &Program, conn: &ServerConnection) -> CommandBuilder {
    let mut command = CommandBuilder::new(&program.path);
    command.args(&program.args);
    let terminal_type = conn.terminal_type();
    let term = sanitize::terminal_name(&terminal_type).unwrap_or_else(|| {
        log::info!(
            "{}: terminal type \"{}\" is not a terminal name; TERM={FALLBACK_TERM}",
            conn.addrport(),
            sanitize::for_log(&terminal_type)
        );
        FALLBACK_TERM.to_owned()
    });
    command.env("TERM", term);
    command.env("COLUMNS", conn.columns().to_string());
    command.env("LINES", conn.rows().to_string());
    for (name, well_formed) in PASSED_ENVIRONMENT {
        if let Some(value) = conn.get_extra_info(name) {
            if well_formed(&value) {
                command.env(name, value);
            } else {
                log::info!(
                    "{}: ignored {name}=\"{}\"",
                    conn.addrport(),
                    sanitize::for_log(&value)
                );
            }
        }
    }
    // A connection in another encoding than UTF-8 (configured, or agreed with CHARSET) whose
    // client sent no LANG: the program is told the encoding, as telnetlib3's pty shell does,
    // since its bytes go to the client as they are.
    let encoding = conn.encoding();
    if conn.get_extra_info("LANG").is_none()
        && !matches!(encoding, ironboa::Encoding::Utf8 | ironboa::Encoding::Bytes)
    {
        command.env("LANG", format!("en_US.{}", encoding.name()));
    }
    if let Ok(dir) = std::env::current_dir() {
        command.cwd(dir);
    }
    command
}

fn serve(program: &Program, conn: &ServerConnection) -> Result<(), Box<dyn std::error::Error>> {
    if !conn.active() {
        // The peer left during the opening negotiation: start nothing for it.
        return Ok(());
    }
    let pty = native_pty_system().openpty(size_of(conn))?;
    let raw = pty
        .master
        .as_raw_fd()
        .ok_or("the pty master has no descriptor")?;
    // Our own handles on the master, non-blocking: no read or write of ours ever waits on the
    // program. (portable-pty's writer is not used: dropping it writes to the pty.)
    let mut input = FileDescriptor::dup(&Raw(raw))?;
    input.set_non_blocking(true)?;
    let output = input.try_clone()?;
    if program.line_mode {
        // The client echoes what is typed; the terminal must not echo it again. Programs that
        // edit lines themselves (bash's readline) follow the terminal's ECHO flag too.
        let mut modes = termios::tcgetattr(&input)?;
        modes.local_flags.remove(LocalFlags::ECHO);
        termios::tcsetattr(&input, SetArg::TCSANOW, &modes)?;
    }
    let command = command_for(program, conn);
    let slave = pty.slave;
    let mut session = Session::spawn(|| -> Result<u32, Box<dyn std::error::Error>> {
        let child = slave.spawn_command(command)?;
        // The reaper waits for it: the handle is not needed (and must not wait itself).
        child
            .process_id()
            .ok_or_else(|| "the program has no process id".into())
    })?;
    drop(slave);
    log::info!(
        "{}: started {} (pid {})",
        conn.addrport(),
        program.path,
        session.pid()
    );

    let output = Output::start(conn.clone(), output)?;
    let end = pump(conn, &*pty.master, input, &session, &output);
    log::info!(
        "{}: {} (session {}): {end}",
        conn.addrport(),
        program.path,
        session.pid()
    );
    session.hang_up();
    output.finish();
    Ok(())
}

/// Why a connection's program stopped being served.
enum End {
    Exited(String),
    OutputEnded,
    PeerLeft,
    Failed(String),
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            End::Exited(status) => write!(f, "exited ({status})"),
            End::OutputEnded => write!(f, "its terminal closed, or the peer stopped taking output"),
            End::PeerLeft => write!(f, "the connection ended"),
            End::Failed(error) => write!(f, "{error}"),
        }
    }
}

/// The peer's input to the program, until either ends.
fn pump(
    conn: &ServerConnection,
    master: &dyn MasterPty,
    mut pty: FileDescriptor,
    session: &Session,
    output: &Output,
) -> End {
    let mut pending: Vec<u8> = Vec::new();
    let mut after_cr = false;
    let mut size = size_of(conn);
    let mut overflow_logged = false;
    loop {
        if let Some(status) = session.exit_status() {
            return End::Exited(status);
        }
        if output.ended() {
            return End::OutputEnded;
        }
        if pending.len() < MAX_PENDING {
            let read = conn.read_bytes(MAX_PENDING - pending.len(), Some(TICK));
            // Commands before the data read with them: a command that came alone waited for
            // the read that brought data (a Ctrl-C, then the next line typed).
            if let Some(end) = commands(conn, &pty, &mut pending) {
                return end;
            }
            match read {
                Ok(bytes) => pending.extend(enter_as_cr(&bytes, &mut after_cr)),
                Err(Error::Timeout { .. }) => {}
                Err(_) => return End::PeerLeft,
            }
        } else {
            // The program is not reading. Leave the peer's data unread, but still watch for
            // its commands (an interrupt), its leaving, the idle timeout and shutdown.
            match conn.next_event(Some(TICK)) {
                Ok(event) => act_on(conn, &event, &pty, &mut pending),
                Err(Error::Timeout { .. }) => {}
                Err(Error::LimitExceeded { .. }) => {
                    // The connection's own input buffer is full too: type-ahead is lost, as
                    // on a terminal whose input queue overflows.
                    if !std::mem::replace(&mut overflow_logged, true) {
                        log::info!(
                            "{}: the program reads no input; discarding what the peer types",
                            conn.addrport()
                        );
                    }
                    let _ = conn.read_bytes(usize::MAX, Some(Duration::ZERO));
                }
                Err(_) => return End::PeerLeft,
            }
        }
        if let Err(error) = write_pending(&mut pty, &mut pending) {
            return End::Failed(format!("writing to the terminal: {error}"));
        }
        let now = size_of(conn);
        if (now.rows, now.cols) != (size.rows, size.cols) {
            log::debug!("{}: window now {}x{}", conn.addrport(), now.cols, now.rows);
            if let Err(error) = master.resize(now) {
                return End::Failed(format!("resizing the terminal: {error}"));
            }
            size = now;
        }
    }
}

/// Acts on the Telnet commands that have arrived; `Some` when the peer has left.
fn commands(conn: &ServerConnection, pty: &FileDescriptor, pending: &mut Vec<u8>) -> Option<End> {
    loop {
        match conn.next_event(Some(Duration::ZERO)) {
            Ok(event) => act_on(conn, &event, pty, pending),
            Err(Error::Timeout { .. } | Error::LimitExceeded { .. }) => return None,
            Err(_) => return Some(End::PeerLeft),
        }
    }
}

/// Writes what the program will take now; the rest stays pending.
fn write_pending(pty: &mut FileDescriptor, pending: &mut Vec<u8>) -> std::io::Result<()> {
    while !pending.is_empty() {
        match pty.write(pending) {
            Ok(0) => break,
            Ok(n) => {
                pending.drain(..n);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if pending.is_empty() && pending.capacity() > 4096 {
        *pending = Vec::new();
    }
    Ok(())
}

/// Acts on one Telnet event: the interrupt commands become the terminal's own control
/// characters, as the keys a terminal's user would press.
fn act_on(conn: &ServerConnection, event: &Event, pty: &FileDescriptor, pending: &mut Vec<u8>) {
    let Event::Command(command) = event else {
        return;
    };
    let character = match command {
        Command::InterruptProcess => SpecialCharacterIndices::VINTR,
        Command::Break | Command::Abort => SpecialCharacterIndices::VQUIT,
        Command::Suspend => SpecialCharacterIndices::VSUSP,
        Command::EndOfFile => SpecialCharacterIndices::VEOF,
        Command::AbortOutput => {
            // What the program wrote and the peer has not been sent yet is dropped. (telnetd
            // also types the VDISCARD character, ^O; Linux's terminals do not act on it and
            // hand it to the program, where bash runs operate-and-get-next and vim a command.)
            if let Err(error) = termios::tcflush(pty, FlushArg::TCIFLUSH) {
                log::debug!("{}: AO: {error}", conn.addrport());
            }
            return;
        }
        _ => return,
    };
    let modes = match termios::tcgetattr(pty) {
        Ok(modes) => modes,
        Err(error) => {
            log::debug!("{}: {command:?}: {error}", conn.addrport());
            return;
        }
    };
    let byte = modes.control_chars[character as usize];
    if byte == 0 {
        // _POSIX_VDISABLE: the program switched this key off.
        log::debug!(
            "{}: {command:?}: no such key on the terminal",
            conn.addrport()
        );
        return;
    }
    let signals =
        modes.local_flags.contains(LocalFlags::ISIG) && character != SpecialCharacterIndices::VEOF;
    if signals && !modes.local_flags.contains(LocalFlags::NOFLSH) {
        // The terminal discards its input queue when a signal key is typed: input still
        // waiting here goes the same way, and the key is not stuck behind it.
        pending.clear();
    }
    log::debug!("{}: {command:?} as {byte:#04x}", conn.addrport());
    pending.push(byte);
}

/// The thread that copies the program's output to the peer.
struct Output {
    stop: Arc<AtomicBool>,
    ended: Arc<AtomicBool>,
    /// Disconnected when the thread ends.
    done: std::sync::mpsc::Receiver<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Output {
    fn start(conn: ServerConnection, mut pty: FileDescriptor) -> std::io::Result<Output> {
        let stop = Arc::new(AtomicBool::new(false));
        let ended = Arc::new(AtomicBool::new(false));
        let (thread_stop, thread_ended) = (Arc::clone(&stop), Arc::clone(&ended));
        let (done_tx, done) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("ironboa-pty-output".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                let _done = done_tx;
                let mut buf = [0u8; 8192];
                while !thread_stop.load(Ordering::Acquire) {
                    let mut fds = [pollfd {
                        fd: pty.as_raw_fd(),
                        events: POLLIN,
                        revents: 0,
                    }];
                    if let Err(error) = poll(&mut fds, Some(OUTPUT_POLL)) {
                        log::debug!("{}: poll: {error}", conn.addrport());
                    }
                    match pty.read(&mut buf) {
                        // EIO (or end of file): no process has the terminal open any more.
                        Ok(0) => break,
                        Ok(n) => {
                            if conn.write_bytes(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        Err(e)
                            if matches!(
                                e.kind(),
                                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                            ) => {}
                        Err(_) => break,
                    }
                }
                thread_ended.store(true, Ordering::Release);
            })?;
        Ok(Output {
            stop,
            ended,
            done,
            thread,
        })
    }

    /// Whether the thread has ended: the terminal closed, or the peer stopped taking output.
    fn ended(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }

    /// Lets the last output reach the peer (the thread ends when the terminal reports that no
    /// process has it open), for at most [`OUTPUT_DRAIN`], then stops the thread.
    /// A write under way goes on until it is done or fails (the write timeout bounds it).
    fn finish(self) {
        let _ = self.done.recv_timeout(OUTPUT_DRAIN);
        self.stop.store(true, Ordering::Release);
        let _ = self.thread.join();
    }
}

/// A telnet client's Enter is CR LF or CR NUL (the engine already made CR NUL a bare CR); a
/// terminal's Enter is one CR. Drops the LF (or NUL) right after a CR, across reads too, so one
/// line never runs as two commands.
fn enter_as_cr(bytes: &[u8], after_cr: &mut bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &byte in bytes {
        if *after_cr && (byte == b'\n' || byte == 0) {
            *after_cr = false;
            continue;
        }
        *after_cr = byte == b'\r';
        out.push(byte);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::enter_as_cr;

    #[test]
    fn enter_is_one_cr() {
        let mut after_cr = false;
        assert_eq!(enter_as_cr(b"ls\r\n", &mut after_cr), b"ls\r");
        assert_eq!(enter_as_cr(b"a\r", &mut after_cr), b"a\r");
        assert_eq!(enter_as_cr(b"\nb\r\0c\n", &mut after_cr), b"b\rc\n");
    }
}
