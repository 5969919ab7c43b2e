//! A server's side of MSDP's commands.

use std::collections::BTreeSet;

use crate::options::{Msdp, MsdpCommand, MsdpValue};

/// The commands a server answers, for `LIST COMMANDS`.
const COMMANDS: &[&str] = &["LIST", "REPORT", "RESET", "SEND", "UNREPORT"];
/// The lists a server keeps, for `LIST LISTS`.
const LISTS: &[&str] = &[
    "COMMANDS",
    "LISTS",
    "REPORTABLE_VARIABLES",
    "REPORTED_VARIABLES",
    "SENDABLE_VARIABLES",
];

/// A server's side of MSDP for one connection: which variables exist, which the client asked
/// to have reported, and the replies to its commands (LIST, REPORT, UNREPORT, SEND, RESET).
/// The server then sends a reported variable whenever it changes (see
/// [`is_reported`](Self::is_reported)).
///
/// ```
/// use ironboa::mud::MsdpServer;
/// use ironboa::options::{Msdp, MsdpValue};
///
/// let mut msdp = MsdpServer::new(&["HEALTH", "ROOM"]);
/// let value_of = |name: &str| (name == "HEALTH").then(|| MsdpValue::from(42));
/// // The client: REPORT HEALTH. The reply carries its value now.
/// let reply = msdp.handle(&Msdp::command("REPORT", &["HEALTH"]), value_of);
/// assert_eq!(reply, Msdp::new().with("HEALTH", 42));
/// assert!(msdp.is_reported("HEALTH"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct MsdpServer {
    reportable: Vec<String>,
    reported: BTreeSet<String>,
}

impl MsdpServer {
    /// A server whose variables are `reportable` (also what `SEND` may ask for).
    pub fn new(reportable: &[&str]) -> MsdpServer {
        MsdpServer {
            reportable: reportable.iter().map(|s| s.to_string()).collect(),
            reported: BTreeSet::new(),
        }
    }

    /// Whether the client asked for `name` to be reported.
    pub fn is_reported(&self, name: &str) -> bool {
        self.reported.contains(name)
    }

    /// The variables the client asked to have reported.
    pub fn reported(&self) -> impl Iterator<Item = &str> {
        self.reported.iter().map(String::as_str)
    }

    fn known(&self, name: &str) -> bool {
        self.reportable.iter().any(|r| r == name)
    }

    fn array(names: impl IntoIterator<Item = impl AsRef<str>>) -> MsdpValue {
        MsdpValue::Array(
            names
                .into_iter()
                .map(|n| MsdpValue::from(n.as_ref()))
                .collect(),
        )
    }

    /// Applies a client's message and returns the reply to send (empty when none is due):
    /// `LIST` answers with the list, `REPORT` and `SEND` with the current values (from
    /// `value_of`; unknown variables are left out), `UNREPORT` and `RESET` change what is
    /// reported. Variables the client sets (`CLIENT_NAME`, ...) are ignored here.
    pub fn handle(&mut self, message: &Msdp, value_of: impl Fn(&str) -> Option<MsdpValue>) -> Msdp {
        let mut reply = Msdp::new();
        for command in MsdpCommand::from_message(message) {
            match &command {
                MsdpCommand::List(lists) => {
                    for list in lists {
                        let value = match list.as_str() {
                            "COMMANDS" => Self::array(COMMANDS),
                            "LISTS" => Self::array(LISTS),
                            "REPORTABLE_VARIABLES" | "SENDABLE_VARIABLES" => {
                                Self::array(&self.reportable)
                            }
                            "REPORTED_VARIABLES" => Self::array(&self.reported),
                            _ => continue,
                        };
                        reply.vars.push((list.clone(), value));
                    }
                }
                MsdpCommand::Report(names) | MsdpCommand::Send(names) => {
                    let report = matches!(command, MsdpCommand::Report(_));
                    for name in names {
                        if !self.known(name) {
                            continue;
                        }
                        if report {
                            self.reported.insert(name.clone());
                        }
                        if let Some(value) = value_of(name) {
                            reply.vars.push((name.clone(), value));
                        }
                    }
                }
                MsdpCommand::Unreport(names) => {
                    for name in names {
                        self.reported.remove(name);
                    }
                }
                MsdpCommand::Reset(lists)
                    if lists
                        .iter()
                        .any(|l| l == "REPORTED_VARIABLES" || l == "REPORTABLE_VARIABLES") =>
                {
                    self.reported.clear();
                }
                _ => {}
            }
        }
        reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of(name: &str) -> Option<MsdpValue> {
        match name {
            "HEALTH" => Some(MsdpValue::from(7)),
            "ROOM" => Some(MsdpValue::table([("NAME", "Hall")])),
            _ => None,
        }
    }

    #[test]
    fn lists_report_send_unreport_reset() {
        let mut msdp = MsdpServer::new(&["HEALTH", "ROOM", "MANA"]);
        let reply = msdp.handle(
            &Msdp::command("LIST", &["LISTS", "REPORTABLE_VARIABLES", "NOSUCH"]),
            value_of,
        );
        assert_eq!(
            reply.get("LISTS"),
            Some(&MsdpValue::Array(
                LISTS.iter().map(|l| MsdpValue::from(*l)).collect()
            ))
        );
        assert_eq!(
            reply.get("REPORTABLE_VARIABLES"),
            Some(&MsdpValue::Array(vec![
                "HEALTH".into(),
                "ROOM".into(),
                "MANA".into()
            ]))
        );
        assert_eq!(reply.vars.len(), 2, "an unknown list is left out");
        // SEND answers without reporting; unknown and valueless variables are left out.
        let reply = msdp.handle(&Msdp::command("SEND", &["HEALTH", "XP", "MANA"]), value_of);
        assert_eq!(reply, Msdp::new().with("HEALTH", 7));
        assert_eq!(msdp.reported().count(), 0);
        msdp.handle(
            &Msdp::command("REPORT", &["ROOM", "HEALTH", "XP"]),
            value_of,
        );
        assert_eq!(msdp.reported().collect::<Vec<_>>(), ["HEALTH", "ROOM"]);
        msdp.handle(&Msdp::command("UNREPORT", &["HEALTH"]), value_of);
        assert!(!msdp.is_reported("HEALTH") && msdp.is_reported("ROOM"));
        msdp.handle(&Msdp::command("RESET", &["REPORTED_VARIABLES"]), value_of);
        assert_eq!(msdp.reported().count(), 0);
        // A variable the client sets is no command: no reply.
        let reply = msdp.handle(&Msdp::new().with("CLIENT_NAME", "tt++"), value_of);
        assert!(reply.vars.is_empty());
    }
}
