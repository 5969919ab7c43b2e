//! A server-side line editor for character mode (feature `editor`): what a shell prompt does,
//! drawn on the client's terminal from the server.
//!
//! In character mode (the server performs ECHO and SGA) the client sends each key as it is
//! typed and shows only what the server sends back, so the server must edit and draw the
//! line. [`LineEditor`] does that over a [`ServerConnection`]:
//!
//! * editing as at a shell prompt: Left/Right, Home/End, insert and delete in the middle,
//!   Ctrl-A/E/K/U/W/Y, Ctrl-Left/Right by word, backspace over wide (CJK, emoji) and combining
//!   characters, a bounded history on Up/Down, Tab calling an optional completion callback;
//! * the escape sequences real terminals send: VT100/xterm arrows in both cursor-key modes
//!   (`ESC [ A`, `ESC O A`), Home/End/Delete as xterm, PuTTY, the Linux console and rxvt send
//!   them (see [`KeyDecoder`]);
//! * Ctrl-C abandons the line ([`Line::Interrupted`]), Ctrl-D on an empty line is the end of
//!   input ([`Line::Eof`]); the Telnet commands IP, BRK, ABORT and EOF do the same;
//! * **messages from other threads** ([`Messenger::write_message`], telnetsrv's
//!   `writemessage`): the message appears on its own line, and the prompt and the half-typed
//!   line are redrawn below it exactly, the cursor where it was;
//! * password prompts ([`LineEditor::read_password`]): nothing shown but the line ending, and
//!   nothing kept in the history;
//! * bounds: [`EditorConfig::max_line_bytes`] (default 4096) and
//!   [`EditorConfig::history_size`] (default 100 lines).
//!
//! ```text
//!   handler thread                               any other thread
//!   LineEditor::readline(prompt, timeout)        Messenger::write_message(text)
//!      │ conn.read (keys) ─► Editor::push_input     │
//!      │ conn.next_event (IP, EOF) ─► interrupt     │
//!      └─► Editor::step ─► echo ─┐                  └─► Editor::message ─┐
//!                                ▼                                       ▼
//!                 one mutex: the editor's state, and its writes to the connection
//! ```
//!
//! [`Editor`] is the same editor without I/O (text in, text to draw out), for other
//! transports and for tests.
//!
//! Where the client refuses to let the server echo (line mode: the client edits and echoes
//! itself), `readline` writes the prompt and reads a line the ordinary way, and a message is
//! followed by the prompt again.
//!
//! ```no_run
//! use ironboa::{BlockingTelnetServer, ServerConfig};
//! use ironboa::line::{Line, LineEditor};
//!
//! let server = BlockingTelnetServer::bind("127.0.0.1:6023", ServerConfig::default().character_mode(true))?;
//! server.serve_forever(|conn| {
//!     let editor = LineEditor::new(conn.clone());
//!     let clock = editor.messenger();
//!     std::thread::spawn(move || {
//!         while clock.write_message("tick").is_ok() {
//!             std::thread::sleep(std::time::Duration::from_secs(10));
//!         }
//!     });
//!     while let Ok(line) = editor.readline("> ", None) {
//!         match line {
//!             Line::Entered(text) => { let _ = conn.send(&format!("you said {text:?}\n")); }
//!             Line::Interrupted(_) => continue,
//!             Line::Eof | _ => break,
//!         }
//!     }
//! })?;
//! # Ok::<(), ironboa::Error>(())
//! ```

mod buffer;
mod editor;
mod history;
mod keys;
mod render;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

pub use buffer::{char_width, display_width};
pub use editor::{Completer, Completion, Echo, Editor, EditorConfig, Line};
pub use history::History;
pub use keys::{Key, KeyDecoder};

use crate::error::{Error, Operation, Result};
use crate::proto::{Command, Event, TelnetOption};
use crate::server::ServerConnection;
use crate::session::WaitFor;

/// The most text taken from the connection at once.
const READ_CHUNK: usize = 4096;
/// The most events kept for [`LineEditor::take_events`].
const MAX_KEPT_EVENTS: usize = 64;

/// What the handler thread and message writers share.
struct State {
    editor: Editor,
    /// Line mode: the prompt of the line the client is typing, to write again after a message.
    line_mode_prompt: Option<String>,
    /// Events `readline` took from the connection but did not act on.
    events: VecDeque<Event>,
}

struct Shared {
    state: Mutex<State>,
    command_poll: Option<Duration>,
}

impl Shared {
    /// Runs `f` on the editor and writes what it drew, all under the lock, so that nothing
    /// another thread draws comes in between.
    fn draw<T>(
        &self,
        conn: &ServerConnection,
        f: impl FnOnce(&mut State, &mut String) -> T,
    ) -> Result<T> {
        let mut state = self.state.lock();
        let mut out = String::new();
        let value = f(&mut state, &mut out);
        if !out.is_empty() {
            conn.write(&out)?;
        }
        Ok(value)
    }

    fn message(&self, conn: &ServerConnection, text: &str) -> Result<()> {
        let columns = usize::from(conn.columns());
        self.draw(conn, |state, out| {
            if let Some(prompt) = &state.line_mode_prompt {
                out.push_str("\r\n");
                editor::push_crlf(out, text);
                out.push_str("\r\n");
                out.push_str(prompt);
            } else {
                state.editor.message(text, columns, out);
            }
        })
    }
}

/// The line editor of one connection (see the [module docs](self)). Reading belongs to one
/// thread, the handler's; other threads print through a [`Messenger`].
pub struct LineEditor {
    conn: ServerConnection,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for LineEditor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineEditor")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

/// A function that restyles text before it is written (colours, a prefix).
pub type Style = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// A handle that prints messages above a connection's line being edited, from any thread
/// (cheap to clone, `Send + Sync`).
#[derive(Clone)]
pub struct Messenger {
    conn: ServerConnection,
    shared: Arc<Shared>,
    style: Option<Style>,
}

impl std::fmt::Debug for Messenger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messenger")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

impl Messenger {
    /// Prints `text` on its own line(s); the prompt and whatever the user had typed are
    /// redrawn below it, the cursor where it was. With no line being read, the text is
    /// written followed by a line ending. Fails only when the connection does.
    pub fn write_message(&self, text: &str) -> Result<()> {
        match &self.style {
            Some(style) => self.shared.message(&self.conn, &style(text)),
            None => self.shared.message(&self.conn, text),
        }
    }

    /// The same messenger, with every message passed through `style` first (e.g. to colour
    /// it).
    pub fn with_style(mut self, style: Style) -> Messenger {
        self.style = Some(style);
        self
    }

    /// The connection it writes to.
    pub fn connection(&self) -> &ServerConnection {
        &self.conn
    }
}

impl LineEditor {
    /// An editor on `conn` with the default bounds ([`EditorConfig`]). It negotiates
    /// nothing: start the server with `ServerConfig::character_mode(true)`, or call
    /// [`enable_character_mode`](Self::enable_character_mode).
    pub fn new(conn: ServerConnection) -> LineEditor {
        LineEditor::with_config(conn, EditorConfig::default())
    }

    /// An editor on `conn` with the given bounds.
    pub fn with_config(conn: ServerConnection, config: EditorConfig) -> LineEditor {
        let command_poll = config.command_poll;
        LineEditor {
            conn,
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    editor: Editor::new(config),
                    line_mode_prompt: None,
                    events: VecDeque::new(),
                }),
                command_poll,
            }),
        }
    }

    /// The connection it edits on.
    pub fn connection(&self) -> &ServerConnection {
        &self.conn
    }

    /// A handle for other threads to print messages with.
    pub fn messenger(&self) -> Messenger {
        Messenger {
            conn: self.conn.clone(),
            shared: Arc::clone(&self.shared),
            style: None,
        }
    }

    /// Prints a message above the line being edited (see [`Messenger::write_message`]).
    pub fn write_message(&self, text: &str) -> Result<()> {
        self.shared.message(&self.conn, text)
    }

    /// Sets (or with `None` removes) the completion callback Tab calls.
    pub fn set_completer(&self, completer: Option<Completer>) {
        self.shared.state.lock().editor.set_completer(completer);
    }

    /// The lines entered so far that Up and Down recall, oldest first.
    pub fn history(&self) -> Vec<String> {
        let state = self.shared.state.lock();
        state.editor.history().iter().map(str::to_owned).collect()
    }

    /// Runs `f` on the history (to add lines, or clear it).
    pub fn with_history<T>(&self, f: impl FnOnce(&mut History) -> T) -> T {
        f(self.shared.state.lock().editor.history_mut())
    }

    /// Events `readline` took from the connection while it waited and did not act on
    /// (option changes, window sizes, subnegotiations, other commands), oldest first; the
    /// last 64 are kept.
    pub fn take_events(&self) -> Vec<Event> {
        self.shared.state.lock().events.drain(..).collect()
    }

    /// Whether the server echoes (performs ECHO): then this editor draws the line; otherwise
    /// the client does.
    pub fn server_echoes(&self) -> Result<bool> {
        self.conn
            .with_engine(|e| e.local_enabled(TelnetOption::ECHO))
    }

    /// Asks the client for character mode (WILL SGA, WILL ECHO) unless it is on, and waits
    /// up to `timeout` for the answers. Returns whether the server now echoes.
    pub fn enable_character_mode(&self, timeout: Option<Duration>) -> Result<bool> {
        let on = |e: &mut crate::proto::Engine| {
            e.local_enabled(TelnetOption::ECHO) && e.local_enabled(TelnetOption::SGA)
        };
        if self.conn.with_engine(on)? {
            return Ok(true);
        }
        self.conn.with_engine(|e| {
            e.enable_local(TelnetOption::SGA);
            e.enable_local(TelnetOption::ECHO);
        })?;
        let answered = WaitFor::new()
            .pending(TelnetOption::ECHO, false)
            .pending(TelnetOption::SGA, false);
        match self.conn.wait_for(&answered, timeout) {
            Ok(()) | Err(Error::Timeout { .. }) => {}
            Err(error) => return Err(error),
        }
        self.server_echoes()
    }

    /// Reads a line with `prompt`, editing and drawing it (see the [module docs](self)).
    ///
    /// `timeout` bounds the whole call ([`Error::Timeout`] for
    /// [`Operation::ReadLine`]); what was typed stays, and the next `readline` goes on with
    /// it. [`Error::Closed`] when the client leaves.
    pub fn readline(&self, prompt: &str, timeout: Option<Duration>) -> Result<Line> {
        self.read(prompt, Echo::Visible, true, timeout)
    }

    /// As [`readline`](Self::readline), but the line is not kept in the history, and Up and
    /// Down do not browse it: for a user name, or an answer to a question.
    pub fn readline_unrecorded(&self, prompt: &str, timeout: Option<Duration>) -> Result<Line> {
        self.read(prompt, Echo::Visible, false, timeout)
    }

    /// Reads a password: as [`readline`](Self::readline), but nothing typed is shown (the
    /// line ending is) nor kept in the history.
    pub fn read_password(&self, prompt: &str, timeout: Option<Duration>) -> Result<Line> {
        self.read(prompt, Echo::Hidden, false, timeout)
    }

    fn read(
        &self,
        prompt: &str,
        echo: Echo,
        record: bool,
        timeout: Option<Duration>,
    ) -> Result<Line> {
        let deadline = timeout.map(|t| Instant::now().checked_add(t));
        if !self.server_echoes()? {
            return self.read_line_mode(prompt, echo, record, timeout);
        }
        let columns = || usize::from(self.conn.columns());
        self.shared.draw(&self.conn, |state, out| {
            state.line_mode_prompt = None;
            state.editor.begin(prompt, echo, columns(), out);
            state.editor.set_use_history(record);
        })?;
        loop {
            let width = columns();
            if let Some(line) = self
                .shared
                .draw(&self.conn, |state, out| state.editor.step(width, out))?
            {
                return Ok(line);
            }
            if let Some(line) = self.commands()? {
                return Ok(line);
            }
            let left = match deadline {
                None => None,
                Some(None) => None,
                Some(Some(deadline)) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Error::Timeout {
                            operation: Operation::ReadLine,
                        });
                    }
                    Some(left)
                }
            };
            let wait = match (left, self.shared.command_poll) {
                (Some(left), Some(poll)) => Some(left.min(poll)),
                (left, poll) => left.or(poll),
            };
            match self.conn.read(READ_CHUNK, wait) {
                Ok(text) => self.shared.state.lock().editor.push_input(&text),
                Err(Error::Timeout { .. }) => {}
                Err(error) => return Err(error),
            }
        }
    }

    /// Acts on the Telnet commands that have arrived: IP, BRK and ABORT interrupt the line,
    /// EOF ends input on an empty one; other events are kept for `take_events`.
    fn commands(&self) -> Result<Option<Line>> {
        loop {
            let event = match self.conn.next_event(Some(Duration::ZERO)) {
                Ok(event) => event,
                Err(Error::Timeout { .. } | Error::LimitExceeded { .. }) => return Ok(None),
                Err(error) => return Err(error),
            };
            let columns = usize::from(self.conn.columns());
            let line = self.shared.draw(&self.conn, |state, out| match event {
                Event::Command(Command::InterruptProcess | Command::Break | Command::Abort) => {
                    state.editor.interrupt(columns, out)
                }
                Event::Command(Command::EndOfFile) => state.editor.end_of_input(columns, out),
                other => {
                    if state.events.len() >= MAX_KEPT_EVENTS {
                        state.events.pop_front();
                    }
                    state.events.push_back(other);
                    None
                }
            })?;
            if line.is_some() {
                return Ok(line);
            }
        }
    }

    /// The client edits and echoes: write the prompt, read a line the ordinary way.
    fn read_line_mode(
        &self,
        prompt: &str,
        echo: Echo,
        record: bool,
        timeout: Option<Duration>,
    ) -> Result<Line> {
        self.shared.draw(&self.conn, |state, out| {
            editor::push_crlf(out, prompt);
            let last = prompt.rsplit('\n').next().unwrap_or("");
            state.line_mode_prompt = Some(last.to_owned());
        })?;
        if echo == Echo::Hidden {
            self.conn.password_mode_on()?;
        }
        let line = self.conn.readline(timeout);
        if echo == Echo::Hidden {
            let _ = self.conn.password_mode_off();
            // The client did not echo the line ending either.
            let _ = self.conn.write("\r\n");
        }
        let line = line?;
        let mut state = self.shared.state.lock();
        state.line_mode_prompt = None;
        if record {
            state.editor.history_mut().add(&line);
        }
        Ok(Line::Entered(line))
    }
}
