//! A telnetsrv-style command shell (feature `editor`): commands as closures with aliases and
//! hidden ones, `help` from each command's help text, bash-like parameters with continuation
//! lines, optional login prompts, and clean asynchronous messages.
//!
//! ```no_run
//! use ironboa::{BlockingTelnetServer, ServerConfig};
//! use ironboa::shell::{Command, Shell};
//!
//! let shell = Shell::new()
//!     .welcome("Welcome to my server.")
//!     .command(Command::new(
//!         &["echo", "copy", "repeat"],
//!         "<text to echo>\nEcho text back to the console.",
//!         |ctx, params| ctx.write_result(&params.join(" ")),
//!     ));
//! let server = BlockingTelnetServer::bind("127.0.0.1:8023", ServerConfig::default().character_mode(true))?;
//! server.serve_forever(shell.handler())?;
//! # Ok::<(), ironboa::Error>(())
//! ```
//!
//! What telnetsrv's `TelnetHandler` gives, and where it is here:
//!
//! | telnetsrv | here |
//! | --- | --- |
//! | `@command(['echo', 'copy'])`, stacked decorators | [`Command::new`]`(&["echo", "copy"], help, closure)`, [`Command::alias`] |
//! | `@command('x', hidden=True)` | [`Command::hidden`] |
//! | the docstring (parameters, short line, long text) | the help text, in the same form ([`Help::parse`]) |
//! | `help`, `?`, `help CMD`; `bye`, `exit`, `quit`, `logout` | built in (a command of yours with the same name wins) |
//! | `InputBashLike` | [`split_params`], with continuation lines at the `... ` prompt |
//! | `self.input.raw` | [`Context::raw_input`] |
//! | `writeresult`, `writeerror`, `writemessage` | [`Context::write_result`], [`Context::write_error`], [`Context::write_message`]; restyled with [`Shell::style_result`] and friends |
//! | `writemessage` from a timer or another thread | [`Context::messenger`] |
//! | `PROMPT`, `CONTINUE_PROMPT`, `WELCOME`, `TELNET_ISSUE` | [`Shell::prompt`], [`Shell::continuation_prompt`], [`Shell::welcome`], [`Shell::issue`] |
//! | `authCallback`, `authNeedUser`, `authNeedPass`, `PROMPT_USER`, `PROMPT_PASS` | [`Shell::authenticate`], [`Shell::username_prompt`], [`Shell::password_prompt`] |
//! | `session_start`, `session_end` | [`Shell::on_start`], [`Shell::on_end`] |
//! | `self.username` | [`Context::username`] |
//! | `self.RUNSHELL = False` | [`Context::exit`] |
//!
//! The shell runs on a [`LineEditor`], so the line is edited as at a shell prompt, Tab
//! completes command names, Ctrl-C abandons a line (and a half-finished multi-line command),
//! and Ctrl-D on an empty line leaves.

mod command;
mod demo;
mod params;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use command::{Command, Help, Run};
pub use demo::telnetsrv_example;
pub use params::{Unfinished, split_params};

use crate::error::{Error, Result};
use crate::line::{Completion, EditorConfig, Line, LineEditor, Messenger, Style};
use crate::server::ServerConnection;

/// Which credentials the login asks for before the shell starts (telnetsrv's `authNeedUser`
/// and `authNeedPass`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    /// A user name only.
    Username,
    /// A password only.
    Password,
    /// A user name, then a password.
    UsernameAndPassword,
}

/// The authentication callback: given the user name and the password asked for (`None` for
/// one not asked), `Ok` lets the user in; `Err` holds what to tell them.
pub type Authenticate =
    dyn Fn(Option<&str>, Option<&str>) -> std::result::Result<(), String> + Send + Sync;

/// A hook run when a session starts (after the welcome) or ends.
pub type Hook = dyn Fn(&mut Context<'_>) -> Result<()> + Send + Sync;

struct Login {
    credentials: Credentials,
    check: Arc<Authenticate>,
}

/// A command shell: a registry of [`Command`]s and the settings of its sessions. Build it
/// once, then run it on each connection ([`run`](Self::run) or [`handler`](Self::handler));
/// cloning it is cheap.
#[derive(Clone)]
pub struct Shell {
    commands: Vec<Command>,
    builtins: Vec<Command>,
    welcome: String,
    issue: String,
    prompt: String,
    continuation_prompt: String,
    username_prompt: String,
    password_prompt: String,
    login: Option<Arc<Login>>,
    login_attempts: usize,
    result_style: Option<Style>,
    error_style: Option<Style>,
    message_style: Option<Style>,
    on_start: Option<Arc<Hook>>,
    on_end: Option<Arc<Hook>>,
    editor: EditorConfig,
    timeout: Option<Duration>,
    negotiation_wait: Duration,
}

impl fmt::Debug for Shell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shell")
            .field("commands", &self.commands)
            .field("prompt", &self.prompt)
            .field("login", &self.login.as_ref().map(|l| l.credentials))
            .finish_non_exhaustive()
    }
}

impl Default for Shell {
    fn default() -> Self {
        Shell::new()
    }
}

impl Shell {
    /// A shell with telnetsrv's defaults: the prompt `Telnet Server> `, the continuation
    /// prompt `... `, the welcome `You have connected to the telnet server.`, no login, and
    /// the built-in `help` (`?`) and `bye` (`exit`, `quit`, `logout`) commands.
    pub fn new() -> Shell {
        Shell {
            commands: Vec::new(),
            builtins: vec![help_command(), exit_command()],
            welcome: "You have connected to the telnet server.".to_owned(),
            issue: String::new(),
            prompt: "Telnet Server> ".to_owned(),
            continuation_prompt: "... ".to_owned(),
            username_prompt: "Username: ".to_owned(),
            password_prompt: "Password: ".to_owned(),
            login: None,
            login_attempts: 3,
            result_style: None,
            error_style: None,
            message_style: None,
            on_start: None,
            on_end: None,
            editor: EditorConfig::default(),
            timeout: None,
            negotiation_wait: Duration::from_secs(2),
        }
    }

    /// Adds a command. A later command with a name already taken wins for that name.
    pub fn command(mut self, command: Command) -> Shell {
        self.commands.push(command);
        self
    }

    /// The text written once the user is in (default telnetsrv's; empty writes nothing).
    pub fn welcome(mut self, text: &str) -> Shell {
        self.welcome = text.to_owned();
        self
    }

    /// A banner written before the login (telnetsrv's `TELNET_ISSUE`; default none).
    pub fn issue(mut self, text: &str) -> Shell {
        self.issue = text.to_owned();
        self
    }

    /// The prompt (default `Telnet Server> `).
    pub fn prompt(mut self, text: &str) -> Shell {
        self.prompt = text.to_owned();
        self
    }

    /// The prompt of a continuation line, after an open quote or a final backslash (default
    /// `... `).
    pub fn continuation_prompt(mut self, text: &str) -> Shell {
        self.continuation_prompt = text.to_owned();
        self
    }

    /// The user name prompt of the login (default `Username: `).
    pub fn username_prompt(mut self, text: &str) -> Shell {
        self.username_prompt = text.to_owned();
        self
    }

    /// The password prompt of the login (default `Password: `).
    pub fn password_prompt(mut self, text: &str) -> Shell {
        self.password_prompt = text.to_owned();
        self
    }

    /// Asks for `credentials` before the shell starts and lets the user in only when `check`
    /// says `Ok` (telnetsrv's `authCallback`). The password is never shown; neither answer
    /// is kept in the history. After [`login_attempts`](Self::login_attempts) failures the
    /// connection is closed.
    pub fn authenticate(
        mut self,
        credentials: Credentials,
        check: impl Fn(Option<&str>, Option<&str>) -> std::result::Result<(), String>
        + Send
        + Sync
        + 'static,
    ) -> Shell {
        self.login = Some(Arc::new(Login {
            credentials,
            check: Arc::new(check),
        }));
        self
    }

    /// How many tries a login gets (default 3; telnetsrv gives one).
    pub fn login_attempts(mut self, attempts: usize) -> Shell {
        self.login_attempts = attempts.max(1);
        self
    }

    /// Restyles what [`Context::write_result`] writes (e.g. colours it).
    pub fn style_result(mut self, style: impl Fn(&str) -> String + Send + Sync + 'static) -> Shell {
        self.result_style = Some(Arc::new(style));
        self
    }

    /// Restyles what [`Context::write_error`] writes, as overriding telnetsrv's `writeerror`:
    ///
    /// ```
    /// let shell = ironboa::shell::Shell::new().style_error(|text| format!("\x1b[91m{text}\x1b[0m"));
    /// # let _ = shell;
    /// ```
    pub fn style_error(mut self, style: impl Fn(&str) -> String + Send + Sync + 'static) -> Shell {
        self.error_style = Some(Arc::new(style));
        self
    }

    /// Restyles what [`Context::write_message`] and the [`Context::messenger`] write.
    pub fn style_message(
        mut self,
        style: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> Shell {
        self.message_style = Some(Arc::new(style));
        self
    }

    /// Runs `hook` once the user is in, after the welcome (telnetsrv's `session_start`).
    pub fn on_start(
        mut self,
        hook: impl Fn(&mut Context<'_>) -> Result<()> + Send + Sync + 'static,
    ) -> Shell {
        self.on_start = Some(Arc::new(hook));
        self
    }

    /// Runs `hook` when the session ends, whether the user left or the connection dropped
    /// (telnetsrv's `session_end`; output then may not arrive).
    pub fn on_end(
        mut self,
        hook: impl Fn(&mut Context<'_>) -> Result<()> + Send + Sync + 'static,
    ) -> Shell {
        self.on_end = Some(Arc::new(hook));
        self
    }

    /// The line editor's bounds (line length, history size).
    pub fn editor_config(mut self, config: EditorConfig) -> Shell {
        self.editor = config;
        self
    }

    /// How long a prompt waits for a line before the session ends (default: for ever).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Shell {
        self.timeout = timeout;
        self
    }

    /// How long a session waits for the client to agree to character mode (default 2 s).
    pub fn negotiation_wait(mut self, wait: Duration) -> Shell {
        self.negotiation_wait = wait;
        self
    }

    /// The commands, yours then the built-in ones.
    pub fn commands(&self) -> impl Iterator<Item = &Command> {
        self.commands.iter().rev().chain(self.builtins.iter())
    }

    /// The command `name` names (whatever the case), yours first.
    pub fn find(&self, name: &str) -> Option<&Command> {
        self.commands().find(|c| c.is_named(name))
    }

    /// The commands `help` lists (not hidden, each once, sorted by name).
    fn listed(&self) -> Vec<&Command> {
        let mut listed: Vec<&Command> = Vec::new();
        for command in self.commands() {
            // A name taken by a later command belongs to that one.
            let shadowed = command
                .names()
                .iter()
                .all(|n| self.find(n).is_some_and(|c| !std::ptr::eq(c, command)));
            if !command.is_hidden() && !shadowed {
                listed.push(command);
            }
        }
        listed.sort_by_key(|c| c.name().to_uppercase());
        listed
    }

    /// What `help` writes: with a command name, that command's parameters and long help;
    /// without, one line per listed command. An unknown name is `Err` with what to say.
    pub fn help_text(&self, command: Option<&str>) -> std::result::Result<String, String> {
        match command {
            Some(name) => match self.find(name) {
                Some(command) => {
                    let help = command.help();
                    let mut text = format!("{} {}", command.name().to_uppercase(), help.params);
                    let len = text.trim_end().len();
                    text.truncate(len);
                    text.push_str("\n\n");
                    text.push_str(help.long_or_short());
                    if command.names().len() > 1 {
                        let aliases: Vec<String> = command.names()[1..]
                            .iter()
                            .map(|n| n.to_uppercase())
                            .collect();
                        text.push_str(&format!("\n\nAliases: {}", aliases.join(", ")));
                    }
                    Ok(text)
                }
                None => Err(format!("Command '{name}' not known")),
            },
            None => {
                let lines: Vec<String> = self
                    .listed()
                    .iter()
                    .map(|command| {
                        let help = command.help();
                        let name = command.name().to_uppercase();
                        if help.params.is_empty() {
                            format!("{name} - {}", help.short)
                        } else {
                            format!("{name} {} - {}", help.params, help.short)
                        }
                    })
                    .collect();
                Ok(lines.join("\n"))
            }
        }
    }

    /// What to say about a command that does not exist: the name, the closest known one
    /// if it is close, and where to look.
    pub fn unknown_command_text(&self, name: &str) -> String {
        let lower = name.to_lowercase();
        let mut best: Option<(usize, &str)> = None;
        for command in self.listed() {
            for candidate in command.names() {
                let c = candidate.to_lowercase();
                let distance = if c.starts_with(&lower) && lower.len() >= 2 {
                    0
                } else {
                    edit_distance(&lower, &c)
                };
                if distance <= 2 && best.is_none_or(|(d, _)| distance < d) {
                    best = Some((distance, candidate));
                }
            }
        }
        match best {
            Some((_, suggestion)) => format!(
                "Unknown command '{name}'. Did you mean '{}'? Type 'help' for the commands.",
                suggestion.to_lowercase()
            ),
            None => format!("Unknown command '{name}'. Type 'help' for the commands."),
        }
    }

    /// Names to complete the first word with (every name of every command not hidden).
    fn completions(&self, line: &str, cursor: usize) -> Completion {
        let before = &line[..cursor.min(line.len())];
        let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = &before[start..];
        let first_words: Vec<&str> = before[..start].split_whitespace().collect();
        let completing_name = match first_words.as_slice() {
            [] => true,
            [first] => self.find(first).is_some_and(|c| c.is_named("help")),
            _ => false,
        };
        if !completing_name {
            return Completion::default();
        }
        let lower = word.to_lowercase();
        let mut candidates: Vec<String> = self
            .listed()
            .iter()
            .flat_map(|c| c.names().iter())
            .filter(|n| n.to_lowercase().starts_with(&lower) && n.as_str() != "?")
            .cloned()
            .collect();
        candidates.sort();
        candidates.dedup();
        Completion { start, candidates }
    }

    /// A handler for [`BlockingTelnetServer::serve_forever`](crate::BlockingTelnetServer::serve_forever):
    /// runs the shell on each connection.
    pub fn handler(self) -> impl Fn(ServerConnection) + Send + Sync + 'static {
        move |conn| {
            if let Err(error) = self.run(conn.clone()) {
                log::debug!("{}: shell ended: {error}", conn.addrport());
            }
        }
    }

    /// Runs one session on `conn`: character mode, the banner, the login, the welcome, then
    /// commands until the user leaves (`bye`, Ctrl-D) or the connection ends. Returns the
    /// connection's error, if that is what ended it.
    pub fn run(&self, conn: ServerConnection) -> Result<()> {
        let editor = LineEditor::with_config(conn.clone(), self.editor.clone());
        editor.enable_character_mode(Some(self.negotiation_wait))?;
        let shell = self.clone();
        editor.set_completer(Some(Box::new(move |line: &str, cursor: usize| {
            shell.completions(line, cursor)
        })));
        let mut session = Session {
            shell: self,
            editor: &editor,
            username: None,
        };
        let result = session.run();
        if let Some(hook) = &self.on_end {
            let mut context = session.context("", "");
            let _ = hook(&mut context);
        }
        match result {
            Err(Error::Closed) => Ok(()),
            other => other,
        }
    }
}

/// One connection's session.
struct Session<'a> {
    shell: &'a Shell,
    editor: &'a LineEditor,
    username: Option<String>,
}

/// Whether an error is the connection's (ends the session) rather than a command's.
fn is_fatal(error: &Error) -> bool {
    matches!(error, Error::Closed | Error::Io(_))
}

impl<'a> Session<'a> {
    fn context<'s>(&'s self, raw: &'s str, name: &'s str) -> Context<'s> {
        Context {
            shell: self.shell,
            editor: self.editor,
            raw,
            name,
            username: self.username.as_deref(),
            exit: false,
        }
    }

    fn run(&mut self) -> Result<()> {
        let conn = self.editor.connection();
        if !self.shell.issue.is_empty() {
            conn.send(&format!("{}\n", self.shell.issue))?;
        }
        if !self.login()? {
            return Ok(());
        }
        if !self.shell.welcome.is_empty() {
            conn.send(&format!("{}\n", self.shell.welcome))?;
        }
        if let Some(hook) = &self.shell.on_start {
            let mut context = self.context("", "");
            hook(&mut context)?;
            if context.exit {
                return Ok(());
            }
        }
        loop {
            let Some(raw) = self.read_command()? else {
                return Ok(());
            };
            let params = match split_params(&raw) {
                Ok(params) => params,
                Err(_) => continue,
            };
            let Some((name, params)) = params.split_first() else {
                continue;
            };
            let Some(command) = self.shell.find(name) else {
                let text = self.shell.unknown_command_text(name);
                self.context(&raw, name).write_error(&text)?;
                continue;
            };
            let mut context = self.context(&raw, name);
            match command.run(&mut context, params) {
                Ok(()) => {}
                Err(error) if is_fatal(&error) => return Err(error),
                Err(error) => context.write_error(&format!("{name}: {error}"))?,
            }
            if context.exit {
                return Ok(());
            }
        }
    }

    /// Reads a whole command, continuation lines and all. `None`: the user is done (Ctrl-D).
    fn read_command(&mut self) -> Result<Option<String>> {
        let mut raw = String::new();
        loop {
            let prompt = if raw.is_empty() {
                &self.shell.prompt
            } else {
                &self.shell.continuation_prompt
            };
            let line = match self.editor.readline(prompt, self.shell.timeout) {
                Ok(line) => line,
                // Line mode only (the client edits): a line past the connection's bound.
                Err(Error::LimitExceeded { max, .. }) => {
                    let text = format!("That line was longer than {max} bytes.");
                    self.context("", "").write_error(&text)?;
                    raw.clear();
                    continue;
                }
                Err(error) => return Err(error),
            };
            match line {
                Line::Entered(text) => {
                    if !raw.is_empty() {
                        raw.push('\n');
                    }
                    raw.push_str(&text);
                    if split_params(&raw).is_ok() {
                        return Ok(Some(raw));
                    }
                }
                // Ctrl-C abandons the command, continuation lines and all.
                Line::Interrupted(_) => raw.clear(),
                _ => return Ok(None),
            }
        }
    }

    /// The login, when the shell has one; whether the user is in.
    fn login(&mut self) -> Result<bool> {
        let Some(login) = self.shell.login.clone() else {
            return Ok(true);
        };
        let timeout = self.shell.timeout;
        for _ in 0..self.shell.login_attempts {
            let username = match login.credentials {
                Credentials::Password => None,
                _ => match self
                    .editor
                    .readline_unrecorded(&self.shell.username_prompt, timeout)?
                {
                    Line::Entered(name) => Some(name.trim().to_owned()),
                    _ => return Ok(false),
                },
            };
            let password = match login.credentials {
                Credentials::Username => None,
                _ => match self
                    .editor
                    .read_password(&self.shell.password_prompt, timeout)?
                {
                    Line::Entered(password) => Some(password),
                    _ => return Ok(false),
                },
            };
            match (login.check)(username.as_deref(), password.as_deref()) {
                Ok(()) => {
                    self.username = username;
                    return Ok(true);
                }
                Err(reason) => {
                    let reason = if reason.is_empty() {
                        "Login incorrect".to_owned()
                    } else {
                        reason
                    };
                    self.context("", "").write_error(&reason)?;
                }
            }
        }
        Ok(false)
    }
}

/// What a command's closure gets: the connection, output calls, input calls, and the
/// session's state.
pub struct Context<'a> {
    shell: &'a Shell,
    editor: &'a LineEditor,
    raw: &'a str,
    name: &'a str,
    username: Option<&'a str>,
    exit: bool,
}

impl fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("raw", &self.raw)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Context<'_> {
    /// The connection.
    pub fn connection(&self) -> &ServerConnection {
        self.editor.connection()
    }

    /// The line editor (its history, or another prompt).
    pub fn editor(&self) -> &LineEditor {
        self.editor
    }

    /// The shell running the command (its commands, its help).
    pub fn shell(&self) -> &Shell {
        self.shell
    }

    /// The command as typed, continuation lines joined with `\n` (telnetsrv's
    /// `self.input.raw`).
    pub fn raw_input(&self) -> &str {
        self.raw
    }

    /// The command's name as typed (any alias, any case).
    pub fn command_name(&self) -> &str {
        self.name
    }

    /// The user name the login accepted, if it asked for one.
    pub fn username(&self) -> Option<&str> {
        self.username
    }

    /// Ends the session once the command returns.
    pub fn exit(&mut self) {
        self.exit = true;
    }

    /// Writes text as it is, `\n` as a line end (telnetsrv's `write`).
    pub fn write(&self, text: &str) -> Result<()> {
        self.connection().send(text)
    }

    /// Writes a line (telnetsrv's `writeline`).
    pub fn writeline(&self, text: &str) -> Result<()> {
        self.write(&format!("{text}\n"))
    }

    fn styled(style: &Option<Style>, text: &str) -> String {
        match style {
            Some(style) => style(text),
            None => text.to_owned(),
        }
    }

    /// Writes a line of output (telnetsrv's `writeresult`), restyled by
    /// [`Shell::style_result`].
    pub fn write_result(&self, text: &str) -> Result<()> {
        self.writeline(&Self::styled(&self.shell.result_style, text))
    }

    /// Writes an error (telnetsrv's `writeerror`), restyled by [`Shell::style_error`].
    pub fn write_error(&self, text: &str) -> Result<()> {
        self.writeline(&Self::styled(&self.shell.error_style, text))
    }

    /// Writes an asynchronous message (telnetsrv's `writemessage`): on its own line, the
    /// prompt and anything typed redrawn after it. Restyled by [`Shell::style_message`].
    pub fn write_message(&self, text: &str) -> Result<()> {
        self.messenger().write_message(text)
    }

    /// A handle to write messages from another thread (a timer, a notification), restyled by
    /// [`Shell::style_message`]; it outlives the command.
    pub fn messenger(&self) -> Messenger {
        let messenger = self.editor.messenger();
        match &self.shell.message_style {
            Some(style) => messenger.with_style(Arc::clone(style)),
            None => messenger,
        }
    }

    /// Asks a question: a line read with `prompt`, not kept in the history. `None` when the
    /// user pressed Ctrl-C or Ctrl-D instead.
    pub fn readline(&self, prompt: &str) -> Result<Option<String>> {
        match self
            .editor
            .readline_unrecorded(prompt, self.shell.timeout)?
        {
            Line::Entered(text) => Ok(Some(text)),
            _ => Ok(None),
        }
    }

    /// Asks for a password: nothing shown, nothing kept. `None` on Ctrl-C or Ctrl-D.
    pub fn read_password(&self, prompt: &str) -> Result<Option<String>> {
        match self.editor.read_password(prompt, self.shell.timeout)? {
            Line::Entered(text) => Ok(Some(text)),
            _ => Ok(None),
        }
    }
}

fn help_command() -> Command {
    Command::new(
        &["?", "help"],
        "[<command>]
        Display help
        Display either brief help on all commands, or detailed
        help on a single command passed as a parameter.",
        |ctx, params| match ctx.shell().help_text(params.first().map(String::as_str)) {
            Ok(text) => ctx.write_result(&text),
            Err(unknown) => {
                ctx.write_error(&unknown)?;
                let list = ctx.shell().help_text(None).unwrap_or_default();
                ctx.write_result(&list)
            }
        },
    )
}

fn exit_command() -> Command {
    Command::new(
        &["bye", "exit", "quit", "logout"],
        "
        Exit the command shell",
        |ctx, _| {
            ctx.exit();
            ctx.write_result("Goodbye")
        },
    )
}

/// Levenshtein distance, for suggestions (names are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell() -> Shell {
        Shell::new()
            .command(Command::new(
                &["echo", "copy", "repeat"],
                "<text to echo>
                Echo text back to the console.
                This command simply echos the provided text
                back to the console.
                ",
                |ctx, params| ctx.write_result(&params.join(" ")),
            ))
            .command(Command::new(&["debug"], "\nSecret.", |_, _| Ok(())).hidden())
    }

    #[test]
    fn help_as_telnetsrv_shows_it() {
        assert_eq!(
            shell().help_text(None).unwrap(),
            "? [<command>] - Display help\n\
             BYE - Exit the command shell\n\
             ECHO <text to echo> - Echo text back to the console."
        );
        assert_eq!(
            shell().help_text(Some("echo")).unwrap(),
            "ECHO <text to echo>\n\n\
             This command simply echos the provided text\nback to the console.\n\n\
             Aliases: COPY, REPEAT"
        );
        // Hidden: not listed, but explained; no long text: the short line.
        assert_eq!(
            shell().help_text(Some("DEBUG")).unwrap(),
            "DEBUG\n\nSecret."
        );
        assert_eq!(
            shell().help_text(Some("nope")).unwrap_err(),
            "Command 'nope' not known"
        );
    }

    #[test]
    fn a_later_command_wins_its_name() {
        let shell = shell().command(Command::new(&["bye"], "\nMine.", |_, _| Ok(())));
        assert_eq!(shell.find("BYE").unwrap().help().short, "Mine.");
        assert!(shell.find("quit").unwrap().is_named("logout"));
        let help = shell.help_text(None).unwrap();
        assert!(help.contains("BYE - Mine."), "{help}");
        assert!(help.contains("BYE - Exit the command shell"), "{help}");
    }

    #[test]
    fn unknown_commands_get_a_suggestion() {
        assert_eq!(
            shell().unknown_command_text("ecoh"),
            "Unknown command 'ecoh'. Did you mean 'echo'? Type 'help' for the commands."
        );
        assert_eq!(
            shell().unknown_command_text("rep"),
            "Unknown command 'rep'. Did you mean 'repeat'? Type 'help' for the commands."
        );
        assert_eq!(
            shell().unknown_command_text("frobnicate"),
            "Unknown command 'frobnicate'. Type 'help' for the commands."
        );
        // Hidden commands are never suggested.
        assert!(!shell().unknown_command_text("debgu").contains("debug"));
    }

    #[test]
    fn completes_command_names() {
        let c = shell().completions("ec", 2);
        assert_eq!((c.start, c.candidates), (0, vec!["echo".to_owned()]));
        let c = shell().completions("help re", 7);
        assert_eq!((c.start, c.candidates), (5, vec!["repeat".to_owned()]));
        assert!(shell().completions("echo x", 6).candidates.is_empty());
        assert!(shell().completions("de", 2).candidates.is_empty(), "hidden");
    }
}
