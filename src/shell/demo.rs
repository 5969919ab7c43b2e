//! telnetsrv's short example, ported: what `ironboa-server --shell commands` runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{Command, Shell};

/// The longest `timer` delay, in seconds.
const MAX_DELAY: u64 = 3600;
/// The most timers waiting at once, over all sessions of the shell.
const MAX_TIMERS: usize = 64;

/// telnetsrv's short example as a [`Shell`]: the welcome `Welcome to my server.`, `echo`
/// (aliases `copy` and `repeat`) and `timer <time> <message>`, which answers at once and
/// shows the message `<time>` seconds later, above whatever is being typed then. Delays are
/// capped at an hour, and at most 64 timers wait at once.
///
/// ```no_run
/// use ironboa::{BlockingTelnetServer, ServerConfig};
///
/// let server = BlockingTelnetServer::bind("127.0.0.1:8023", ServerConfig::default().character_mode(true))?;
/// server.serve_forever(ironboa::shell::telnetsrv_example().handler())?;
/// # Ok::<(), ironboa::Error>(())
/// ```
pub fn telnetsrv_example() -> Shell {
    let waiting = Arc::new(AtomicUsize::new(0));
    Shell::new()
        .welcome("Welcome to my server.")
        .command(Command::new(
            &["echo", "copy", "repeat"],
            "<text to echo>
            Echo text back to the console.",
            |ctx, params| ctx.write_result(&params.join(" ")),
        ))
        .command(Command::new(
            &["timer"],
            r#"<time> <message>
            In <time> seconds, display <message>.
            Send a message after a delay.
            <time> is in seconds.
            If <message> is more than one word, quotes are required.
            example:
            > TIMER 5 "hello world!""#,
            move |ctx, params| {
                let (Some(Ok(delay)), Some(message)) =
                    (params.first().map(|t| t.parse::<u64>()), params.get(1))
                else {
                    return ctx.write_error("Need both a time and a message");
                };
                if delay > MAX_DELAY {
                    return ctx.write_error(&format!("At most {MAX_DELAY} seconds"));
                }
                if waiting.fetch_add(1, Ordering::AcqRel) >= MAX_TIMERS {
                    waiting.fetch_sub(1, Ordering::AcqRel);
                    return ctx.write_error("Too many timers waiting; try again later");
                }
                ctx.write_result(&format!("Waiting {delay} seconds..."))?;
                let messenger = ctx.messenger();
                let message = message.clone();
                let waiting = Arc::clone(&waiting);
                let started = std::thread::Builder::new()
                    .name("timer".into())
                    .stack_size(64 * 1024)
                    .spawn({
                        let waiting = Arc::clone(&waiting);
                        move || {
                            std::thread::sleep(Duration::from_secs(delay));
                            waiting.fetch_sub(1, Ordering::AcqRel);
                            if messenger.connection().active() {
                                let _ = messenger.write_message(&message);
                            }
                        }
                    });
                if started.is_err() {
                    waiting.fetch_sub(1, Ordering::AcqRel);
                    return ctx.write_error("Cannot start a timer now");
                }
                Ok(())
            },
        ))
}
