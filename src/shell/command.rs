//! One command of a shell: its names, its help text, and the closure that runs it.

use std::fmt;
use std::sync::Arc;

use super::Context;

/// What a command runs: the context (output, input, the connection) and its parameters.
/// An error ends the session when it is the connection's ([`Error::Closed`] and the like);
/// any other is reported to the user and the shell goes on.
///
/// [`Error::Closed`]: crate::Error::Closed
pub type Run = dyn Fn(&mut Context<'_>, &[String]) -> crate::Result<()> + Send + Sync;

/// A command's help in telnetsrv's three parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Help {
    /// The parameters, as `help` shows them after the name (`<text to echo>`); may be empty.
    pub params: String,
    /// One line for the list `help` gives.
    pub short: String,
    /// What `help NAME` gives; the short line when empty.
    pub long: String,
}

impl Help {
    /// Reads help in telnetsrv's docstring form: line 0 the parameters (may be blank), line 1
    /// the short description, lines 2 and after the long description (may be absent). Each
    /// line is trimmed, so an indented Rust string literal works.
    ///
    /// ```
    /// use ironboa::shell::Help;
    ///
    /// let help = Help::parse("<text to echo>
    ///     Echo text back to the console.
    ///     This command simply echos the provided text
    ///     back to the console.
    /// ");
    /// assert_eq!(help.params, "<text to echo>");
    /// assert_eq!(help.short, "Echo text back to the console.");
    /// assert_eq!(help.long, "This command simply echos the provided text\nback to the console.");
    /// ```
    pub fn parse(doc: &str) -> Help {
        let mut lines = doc.lines().map(str::trim);
        let params = lines.next().unwrap_or("").to_owned();
        let short = lines.next().unwrap_or("").to_owned();
        let long: Vec<&str> = lines.collect();
        let long = long.join("\n").trim_matches('\n').to_owned();
        Help {
            params,
            short,
            long,
        }
    }

    /// The long description, or the short one when there is none.
    pub fn long_or_short(&self) -> &str {
        if self.long.trim().is_empty() {
            &self.short
        } else {
            &self.long
        }
    }
}

/// A command: names (the first is the one `help` lists; the others are aliases), help, and
/// what it runs. Names match whatever the case typed, as telnetsrv's do.
///
/// ```
/// use ironboa::shell::Command;
///
/// let echo = Command::new(&["echo", "copy"], "<text to echo>\nEcho text back to the console.", |ctx, params| {
///     ctx.write_result(&params.join(" "))
/// })
/// .alias("repeat");
/// assert_eq!(echo.names(), ["echo", "copy", "repeat"]);
/// assert!(!echo.is_hidden());
/// ```
#[derive(Clone)]
pub struct Command {
    names: Vec<String>,
    help: Help,
    hidden: bool,
    run: Arc<Run>,
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("names", &self.names)
            .field("help", &self.help)
            .field("hidden", &self.hidden)
            .finish_non_exhaustive()
    }
}

impl Command {
    /// A command with `names` (at least one; the first is listed by `help`), help text in
    /// telnetsrv's form (see [`Help::parse`]), and the closure it runs.
    ///
    /// # Panics
    /// When `names` is empty or a name is blank or holds whitespace.
    pub fn new(
        names: &[&str],
        help: &str,
        run: impl Fn(&mut Context<'_>, &[String]) -> crate::Result<()> + Send + Sync + 'static,
    ) -> Command {
        assert!(!names.is_empty(), "a command needs a name");
        let mut command = Command {
            names: Vec::new(),
            help: Help::parse(help),
            hidden: false,
            run: Arc::new(run),
        };
        for name in names {
            command = command.alias(name);
        }
        command
    }

    /// Adds another name (as stacking telnetsrv's `@command` does).
    ///
    /// # Panics
    /// When `name` is blank or holds whitespace.
    pub fn alias(mut self, name: &str) -> Command {
        assert!(
            !name.is_empty() && !name.contains(char::is_whitespace),
            "command names are single words: {name:?}"
        );
        self.names.push(name.to_owned());
        self
    }

    /// Leaves the command out of the list `help` gives (`help NAME` still explains it), as
    /// telnetsrv's `hidden=True`.
    pub fn hidden(mut self) -> Command {
        self.hidden = true;
        self
    }

    /// Replaces the help.
    pub fn with_help(mut self, help: Help) -> Command {
        self.help = help;
        self
    }

    /// The names, the listed one first.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The name `help` lists.
    pub fn name(&self) -> &str {
        &self.names[0]
    }

    /// The help.
    pub fn help(&self) -> &Help {
        &self.help
    }

    /// Whether `help` leaves it out of its list.
    pub fn is_hidden(&self) -> bool {
        self.hidden
    }

    /// Whether `name` is one of its names (whatever the case).
    pub fn is_named(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// Runs it.
    pub fn run(&self, context: &mut Context<'_>, params: &[String]) -> crate::Result<()> {
        (self.run)(context, params)
    }
}
