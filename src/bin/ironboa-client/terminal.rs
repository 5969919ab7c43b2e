//! The interactive client: the terminal in raw mode, keys handled as [`crate::keys`] says, the
//! server's output decoded for the terminal, NAWS on resize, the `telnet>` prompt, and the
//! terminal restored on every way out.
//!
//! Three threads: this one prints what the server sends; one reads keys; one waits for signals.
//! The key state is shared under one lock, held while anything is printed, so echo and output
//! never cut into each other. Data for the server is sent after the lock is released, so a
//! server that stops reading never freezes the screen.
//!
//! How it ends: the server closes, or `close`/`quit` at the prompt (exit status 0); SIGTERM,
//! SIGINT or SIGHUP (128 + the signal); the terminal goes away (a killed tmux or ssh: its
//! reads end and its writes fail), which counts as a hang-up (129). Nothing is printed with
//! `print!`, so a terminal that is gone cannot make the client panic.

use std::io::{Read, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use ironboa::client::TelnetConnection;
use ironboa::{Command, Encoding, Error, TelnetOption};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGWINCH};

use crate::ModeChoice;
use crate::command::{self, PromptCommand};
use crate::decode::OutputDecoder;
use crate::keys::{Action, Edit, KeyState, Modes};

/// How often the output side looks at the negotiated modes while the server is quiet (a line
/// half typed goes out when character mode starts).
const TICK: Duration = Duration::from_millis(100);

/// The terminal's size, if standard output is one.
pub fn size() -> Option<(u16, u16)> {
    crossterm::terminal::size()
        .ok()
        .filter(|(c, r)| *c > 0 && *r > 0)
}

/// Raw mode for as long as it lives; dropping it (on return, `?`, or a panic's unwinding)
/// restores the terminal, if there still is one.
struct RawMode;

impl RawMode {
    fn enable() -> Result<RawMode, String> {
        crossterm::terminal::enable_raw_mode()
            .map_err(|e| format!("cannot set up the terminal: {e}"))?;
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// What the session needs to know from the command line.
#[derive(Clone, Debug)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    pub encoding: Encoding,
    /// `--encoding-errors`.
    pub errors: ironboa::EncodingErrors,
    /// `--encoding` was given: SyncTERM font selections do not change it.
    pub encoding_given: bool,
    /// `--ansi-keys`, `--ascii-eol`.
    pub retro: crate::retro::RetroOptions,
    pub choice: ModeChoice,
    pub escape: Option<u8>,
}

/// How the session ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The server closed the connection.
    ServerClosed,
    /// `close` or `quit` at the `telnet>` prompt.
    UserClosed,
    /// SIGTERM, SIGINT or SIGHUP.
    Signal(i32),
    /// The terminal went away.
    HangUp,
}

impl Ending {
    /// The process's exit status.
    pub fn exit_status(self) -> u8 {
        match self {
            Ending::ServerClosed | Ending::UserClosed => 0,
            Ending::Signal(signal) => u8::try_from(128 + signal).unwrap_or(255),
            Ending::HangUp => 128 + SIGHUP as u8,
        }
    }
}

/// Everything the three threads share.
struct Shared {
    conn: Arc<TelnetConnection>,
    settings: Settings,
    keys: Mutex<KeyState>,
    /// Notified when the prompt closes or the session ends.
    resume: Condvar,
    ending: Mutex<Option<Ending>>,
}

/// Data for the server, sent once the key state is unlocked.
enum Outgoing {
    Data(Vec<u8>),
    Command(Command),
}

impl Shared {
    fn keys(&self) -> MutexGuard<'_, KeyState> {
        let encoding = self.conn.encoding();
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.set_encoding(encoding);
        keys
    }

    fn ending(&self) -> Option<Ending> {
        *self.ending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Ends the session (the first reason given is the one reported).
    fn end(&self, why: Ending) {
        {
            let mut ending = self.ending.lock().unwrap_or_else(|e| e.into_inner());
            if ending.is_none() {
                *ending = Some(why);
            }
        }
        self.conn.close();
        // Wake the output side if it waits for the prompt to close.
        let _keys = self.keys();
        self.resume.notify_all();
    }

    fn modes(&self, keys: &KeyState) -> Modes {
        Modes::new(
            keys.choice,
            self.conn.remote_enabled(TelnetOption::ECHO),
            self.conn.remote_enabled(TelnetOption::SGA),
            keys.echo_toggled,
            self.conn.local_enabled(TelnetOption::BINARY),
        )
    }

    fn send(&self, outgoing: Vec<Outgoing>) -> Result<(), Error> {
        for item in outgoing {
            match item {
                Outgoing::Data(data) => self.conn.write_bytes(&data)?,
                Outgoing::Command(command) => self
                    .conn
                    .with_engine(|e| e.send_command(command))
                    .and_then(|r| r)?,
            }
        }
        Ok(())
    }

    /// Carries out `actions` with the key state locked: the screen now, the server's data
    /// into `outgoing` (sent before a `telnet>` command runs, to keep the order).
    fn perform(
        &self,
        keys: &mut KeyState,
        actions: Vec<Action>,
        outgoing: &mut Vec<Outgoing>,
    ) -> Result<(), Ending> {
        for action in actions {
            match action {
                Action::Show(bytes) => show(&bytes)?,
                Action::Send(data) => outgoing.push(Outgoing::Data(data)),
                Action::Command(command) => outgoing.push(Outgoing::Command(command)),
                Action::Run(command) => {
                    self.send(std::mem::take(outgoing))
                        .map_err(|_| Ending::ServerClosed)?;
                    self.run(keys, command)?;
                }
            }
        }
        Ok(())
    }

    /// A `telnet>` command.
    fn run(&self, keys: &mut KeyState, command: PromptCommand) -> Result<(), Ending> {
        let conn = &self.conn;
        match command {
            PromptCommand::Send(command) => {
                let _ = conn.with_engine(|e| e.send_command(command));
            }
            PromptCommand::SendEscape => {
                if let Some(escape) = keys.escape {
                    let _ = conn.write_bytes(&[escape]);
                }
            }
            PromptCommand::Status => show(self.status(keys).as_bytes())?,
            PromptCommand::Mode(choice) => {
                keys.choice = choice;
                negotiate(conn, choice);
            }
            PromptCommand::ToggleEcho => {
                keys.echo_toggled = !keys.echo_toggled;
                let text: &[u8] = if keys.echo_toggled {
                    b"Typed text is now always echoed here.\r\n"
                } else {
                    b"Typed text is echoed here only while the server does not echo it.\r\n"
                };
                show(text)?;
            }
            PromptCommand::SetEscape(escape) => {
                keys.escape = escape;
                show(escape_text(escape).as_bytes())?;
                show(b"\r\n")?;
            }
            PromptCommand::Close => return Err(Ending::UserClosed),
            PromptCommand::Help => show(command::HELP.as_bytes())?,
        }
        Ok(())
    }

    fn status(&self, keys: &KeyState) -> String {
        let conn = &self.conn;
        let modes = self.modes(keys);
        let mode = match modes.edit {
            Edit::Line => "line mode (edited here, sent on Enter)",
            Edit::Character => "character mode (each key sent as typed)",
        };
        let chosen = match keys.choice {
            ModeChoice::Follow => "following the server",
            ModeChoice::Line => "line mode chosen",
            ModeChoice::Raw => "character mode chosen",
        };
        let echo = if modes.local_echo {
            "Typed text is echoed here."
        } else {
            "Typed text is echoed by the server (or not at all)."
        };
        let options = |remote: bool| -> String {
            let names: Vec<String> = (0..=255u8)
                .map(TelnetOption)
                .filter(|&o| {
                    if remote {
                        conn.remote_enabled(o)
                    } else {
                        conn.local_enabled(o)
                    }
                })
                .map(|o| o.to_string())
                .collect();
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(" ")
            }
        };
        let on = |b: bool| if b { "on" } else { "off" };
        format!(
            "Connected to {} port {}.\r\n\
             Operating in {mode}; {chosen}.\r\n\
             {echo}\r\n\
             {}\r\n\
             Encoding {}; BINARY {} from the server, {} to it.\r\n\
             Server options: {}\r\n\
             Client options: {}\r\n",
            self.settings.host,
            self.settings.port,
            escape_text(keys.escape),
            conn.encoding(),
            on(conn.remote_enabled(TelnetOption::BINARY)),
            on(conn.local_enabled(TelnetOption::BINARY)),
            options(true),
            options(false),
        )
    }
}

/// "Escape character is '^]'." (or that there is none).
pub fn escape_text(escape: Option<u8>) -> String {
    match escape {
        Some(byte) => format!("Escape character is '{}'.", command::caret(byte)),
        None => "No escape character.".to_owned(),
    }
}

/// Asks the server for the options a chosen mode needs, as Debian telnet's `mode` does: line
/// mode asks it to stop suppressing go-ahead and echoing, character mode to start.
pub fn negotiate(conn: &TelnetConnection, choice: ModeChoice) {
    let _ = conn.with_engine(|e| match choice {
        ModeChoice::Line => {
            e.disable_remote(TelnetOption::SGA);
            e.disable_remote(TelnetOption::ECHO);
        }
        ModeChoice::Raw => {
            e.enable_remote(TelnetOption::SGA);
            e.enable_remote(TelnetOption::ECHO);
        }
        ModeChoice::Follow => {}
    });
}

/// Writes to the terminal; a terminal that is gone ends the session.
fn show(bytes: &[u8]) -> Result<(), Ending> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|_| Ending::HangUp)
}

/// Runs the session until either side ends it. The terminal is restored before this returns.
pub fn interact(conn: &Arc<TelnetConnection>, settings: Settings) -> Result<Ending, String> {
    let raw = RawMode::enable()?;
    if settings.choice != ModeChoice::Follow {
        negotiate(conn, settings.choice);
    }
    let shared = Arc::new(Shared {
        conn: Arc::clone(conn),
        keys: Mutex::new(KeyState::new(
            settings.encoding,
            settings.escape,
            settings.choice,
        )),
        settings,
        resume: Condvar::new(),
        ending: Mutex::new(None),
    });

    // Window changes become NAWS; SIGTERM, SIGINT and SIGHUP end the session.
    let mut signals = signal_hook::iterator::Signals::new([SIGWINCH, SIGTERM, SIGINT, SIGHUP])
        .map_err(|e| e.to_string())?;
    let handle = signals.handle();
    let signal_shared = Arc::clone(&shared);
    std::thread::spawn(move || {
        for signal in signals.forever() {
            if signal == SIGWINCH {
                if let Some((columns, rows)) = size() {
                    let _ = signal_shared.conn.set_window_size(columns, rows);
                }
            } else {
                signal_shared.end(Ending::Signal(signal));
                break;
            }
        }
    });

    let key_shared = Arc::clone(&shared);
    std::thread::spawn(move || {
        let why = read_keys(&key_shared);
        key_shared.end(why);
    });

    let ending = print_output(&shared);
    shared.end(ending);
    handle.close();
    drop(raw);
    Ok(shared.ending().unwrap_or(ending))
}

/// The key side: reads the terminal until the session ends; returns why it ended.
fn read_keys(shared: &Shared) -> Ending {
    let mut stdin = std::io::stdin().lock();
    let mut buf = [0u8; 1024];
    let mut retro_keys = crate::retro::RetroKeys::default();
    loop {
        let n = match stdin.read(&mut buf) {
            // In raw mode a terminal has no end of file: it was hung up.
            Ok(0) => return Ending::HangUp,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Ending::HangUp,
        };
        if let Some(ending) = shared.ending() {
            return ending;
        }
        let mut rest = &buf[..n];
        // A retro encoding: keys up to the escape character go out in the set's own bytes.
        let encoding = shared.conn.encoding();
        if crate::retro::RetroKeys::applies(encoding) && !shared.keys().prompt_open() {
            let plain = match shared.keys().escape {
                Some(escape) => rest.iter().position(|&b| b == escape).unwrap_or(rest.len()),
                None => rest.len(),
            };
            let data = retro_keys.translate(&rest[..plain], encoding, shared.settings.retro);
            rest = &rest[plain..];
            if !data.is_empty() && shared.send(vec![Outgoing::Data(data)]).is_err() {
                return Ending::ServerClosed;
            }
        }
        while !rest.is_empty() {
            let mut outgoing = Vec::new();
            let result = {
                let mut keys = shared.keys();
                let modes = shared.modes(&keys);
                let (actions, used) = keys.feed(rest, modes);
                rest = &rest[used..];
                let result = shared.perform(&mut keys, actions, &mut outgoing);
                if !keys.prompt_open() {
                    shared.resume.notify_all();
                }
                result
            };
            if let Err(ending) = result {
                return ending;
            }
            if shared.send(outgoing).is_err() {
                return Ending::ServerClosed;
            }
        }
    }
}

/// The output side: prints what the server sends until the session ends.
fn print_output(shared: &Shared) -> Ending {
    let conn = &shared.conn;
    let mut view = crate::retro::OutputView::new(
        OutputDecoder::new(shared.settings.encoding, shared.settings.errors),
        !shared.settings.encoding_given,
        shared.settings.retro,
        true,
    );
    let mut text = Vec::new();
    let ending = loop {
        let result = conn.read_bytes(64 * 1024, Some(TICK));
        if let Some(ending) = shared.ending() {
            break ending;
        }
        let data = match result {
            Ok(data) => data,
            Err(Error::Timeout { .. }) => Vec::new(),
            Err(_) => break Ending::ServerClosed,
        };
        let mut outgoing = Vec::new();
        let result = {
            let mut keys = shared.keys();
            // Server output waits while the telnet> prompt is open.
            while keys.prompt_open() && shared.ending().is_none() {
                keys = shared.resume.wait(keys).unwrap_or_else(|e| e.into_inner());
            }
            let modes = shared.modes(&keys);
            let actions = keys.update_modes(modes);
            let mut result = shared.perform(&mut keys, actions, &mut outgoing);
            text.clear();
            if let Err(error) = view.show(conn, &data, &mut text) {
                // --encoding-errors strict: say so; the bytes show as U+FFFD.
                log::error!("{error}");
            }
            if result.is_ok() && !text.is_empty() {
                result = show(&text);
                keys.output_printed();
            }
            result
        };
        if let Err(ending) = result {
            break ending;
        }
        if shared.send(outgoing).is_err() {
            break Ending::ServerClosed;
        }
    };
    // What the server sent last, an incomplete character included.
    text.clear();
    if ending == Ending::ServerClosed {
        while let Ok(data) = conn.read_bytes(64 * 1024, Some(Duration::ZERO)) {
            // A decoding error shows the bytes as U+FFFD: nothing more to say at the end.
            let _ = view.show(conn, &data, &mut text);
        }
    }
    view.finish(conn, &mut text);
    text.extend_from_slice(b"\r\n");
    let _keys = shared.keys();
    let _ = show(&text);
    ending
}
