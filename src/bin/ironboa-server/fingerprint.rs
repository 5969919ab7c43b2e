//! `--shell fingerprint`: what is that client?
//!
//! The opening negotiation runs as for every shell (DO TTYPE, then NAWS, NEW_ENVIRON and
//! CHARSET for a client that negotiates), and the client leads meanwhile: what it offered
//! unprompted is kept, with what was refused. Then every option is asked in both directions
//! (DO for everything telnetlib3's fingerprinting server probes, then WILL for the options a
//! server performs), the whole TTYPE cycle is read, and LINEMODE's SLC table is taken if the client
//! does LINEMODE. Each round waits at most `--probe-timeout`, so a client that never answers,
//! answers for ever or repeats itself costs that and is reported so. The protocol behaviour is
//! hashed as telnetlib3 does (values that depend on the user, such as the terminal's name or
//! the environment's values, are kept beside it and not hashed); the client is shown a
//! summary, and the JSON is written under `--data-dir` as `client/HASH/SESSION.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ironboa::options::{Charset, EnvironKind, Linemode, SlcTriple, Subnegotiation, TerminalType};
use ironboa::proto::{QState, Side};
use ironboa::{Error, Event, ServerConnection, TelnetOption};
use serde_json::{Value, json};

use crate::fingerprint_store::{self, list};

/// Asked with DO: telnetlib3's `ALL_PROBE_OPTIONS` (its core, MUD and legacy options; option
/// codes above 140 are left out, as there, because some clients fail on them; MUD clients
/// announce GMCP and the like themselves).
const DO_PROBES: &[(u8, &str)] = &[
    (0, "BINARY"),
    (3, "SGA"),
    (1, "ECHO"),
    (5, "STATUS"),
    (24, "TTYPE"),
    (32, "TSPEED"),
    (33, "LFLOW"),
    (35, "XDISPLOC"),
    (31, "NAWS"),
    (39, "NEW_ENVIRON"),
    (42, "CHARSET"),
    (34, "LINEMODE"),
    (25, "EOR"),
    (23, "SNDLOC"),
    (44, "COM_PORT"),
    (37, "AUTHENTICATION"),
    (38, "ENCRYPT"),
    (40, "TN3270E"),
    (41, "XAUTH"),
    (43, "RSP"),
    (45, "SUPPRESS_LOCAL_ECHO"),
    (46, "TLS"),
    (47, "KERMIT"),
    (48, "SEND_URL"),
    (49, "FORWARD_X"),
    (138, "PRAGMA_LOGON"),
    (139, "SSPI_LOGON"),
    (140, "PRAGMA_HEARTBEAT"),
    (30, "X3PAD"),
    (29, "VT3270REGIME"),
    (28, "TTYLOC"),
    (21, "SUPDUP"),
    (22, "SUPDUPOUTPUT"),
    (20, "DET"),
    (19, "BM"),
    (2, "RCP"),
    (4, "NAMS"),
    (7, "RCTE"),
    (8, "NAOL"),
    (9, "NAOP"),
    (10, "NAOCRD"),
    (11, "NAOHTS"),
    (12, "NAOHTD"),
    (13, "NAOFFD"),
    (14, "NAOVTS"),
    (15, "NAOVTD"),
    (16, "NAOLFD"),
];

/// Asked with WILL: what a server may perform for a client.
const WILL_PROBES: &[(u8, &str)] = &[
    (0, "BINARY"),
    (1, "ECHO"),
    (3, "SGA"),
    (5, "STATUS"),
    (25, "EOR"),
];

/// The most terminal types asked for in one cycle.
const MAX_TTYPES: usize = 12;
/// How often a wait looks at the option states again (refusals produce no event).
const POLL: Duration = Duration::from_millis(20);

/// How the shell probes.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Each round waits at most this long for its answers.
    pub probe_timeout: Duration,
    /// Where the JSON goes, if anywhere.
    pub data_dir: Option<PathBuf>,
}

/// The name of an option code, as telnetlib3 names them.
fn option_name(code: u8) -> String {
    DO_PROBES
        .iter()
        .chain(WILL_PROBES)
        .find(|(c, _)| *c == code)
        .map(|(_, name)| (*name).to_owned())
        .or_else(|| TelnetOption(code).name().map(str::to_owned))
        .unwrap_or_else(|| format!("#{code}"))
}

/// Everything the client sent that is not data, as it arrived.
#[derive(Default)]
struct Seen {
    ttypes: Vec<String>,
    environ: BTreeMap<String, Option<String>>,
    environ_replies: usize,
    charset: Option<String>,
    charset_rejected: bool,
    window: Option<(u16, u16)>,
    slc: BTreeMap<u8, SlcTriple>,
    linemode_modes: BTreeSet<u8>,
    forward_mask: bool,
    subnegotiations: BTreeSet<String>,
    /// Option changes per (option, side, enabled): a client that repeats itself.
    changes: BTreeMap<(u8, bool, bool), usize>,
    commands: BTreeSet<String>,
    protocol_errors: usize,
    closed: bool,
}

impl Seen {
    fn note(&mut self, event: Event) {
        match event {
            Event::Subnegotiation(sb) => {
                self.subnegotiations.insert(option_name(sb.option().0));
                match sb {
                    Subnegotiation::TerminalType(TerminalType::Is(name))
                        if self.ttypes.len() < 64 =>
                    {
                        self.ttypes.push(name);
                    }
                    Subnegotiation::Environ(environ) if environ.kind != EnvironKind::Send => {
                        self.environ_replies += 1;
                        for var in environ.vars.into_iter().take(256) {
                            self.environ.insert(var.name, var.value);
                        }
                    }
                    Subnegotiation::Charset(Charset::Accepted(name)) => self.charset = Some(name),
                    Subnegotiation::Charset(Charset::Rejected) => self.charset_rejected = true,
                    Subnegotiation::WindowSize(size) => {
                        self.window = Some((size.columns, size.rows))
                    }
                    Subnegotiation::Linemode(Linemode::Slc(triples)) => {
                        for triple in triples {
                            self.slc.insert(triple.function, triple);
                        }
                    }
                    Subnegotiation::Linemode(Linemode::Mode(mask)) => {
                        self.linemode_modes.insert(mask);
                    }
                    Subnegotiation::Linemode(Linemode::ForwardMask { .. }) => {
                        self.forward_mask = true
                    }
                    _ => {}
                }
            }
            Event::OptionChanged {
                option,
                side,
                enabled,
            } => {
                *self
                    .changes
                    .entry((option.0, side == Side::Remote, enabled))
                    .or_default() += 1;
            }
            Event::Command(command) => {
                self.commands.insert(format!("{command:?}"));
            }
            Event::ProtocolError(_) => self.protocol_errors += 1,
            _ => {}
        }
    }

    /// Takes every event that has arrived, and drops data (nothing reads it during the
    /// probe, and the input buffer must not fill).
    fn drain(&mut self, conn: &ServerConnection) {
        loop {
            match conn.next_event(Some(Duration::ZERO)) {
                Ok(event) => self.note(event),
                Err(Error::Timeout { .. }) => break,
                Err(_) => {
                    self.closed = true;
                    break;
                }
            }
        }
        while let Ok(bytes) = conn.read_bytes(64 * 1024, Some(Duration::ZERO)) {
            if bytes.is_empty() {
                break;
            }
        }
    }

    /// Reads events until `done` holds, the deadline passes or the client leaves. Returns how
    /// the wait ended.
    fn pump(
        &mut self,
        conn: &ServerConnection,
        deadline: Instant,
        mut done: impl FnMut(&Seen, &ServerConnection) -> bool,
    ) -> &'static str {
        loop {
            self.drain(conn);
            if done(self, conn) {
                return "answered";
            }
            if self.closed {
                return "closed";
            }
            let now = Instant::now();
            if now >= deadline {
                return "deadline";
            }
            match conn.next_event(Some((deadline - now).min(POLL))) {
                Ok(event) => self.note(event),
                Err(Error::Timeout { .. }) => {}
                Err(_) => self.closed = true,
            }
        }
    }
}

fn state(conn: &ServerConnection, code: u8, side: Side) -> QState {
    conn.with_engine(|e| e.option_state(TelnetOption(code), side))
        .unwrap_or(QState::No)
}

fn settled(conn: &ServerConnection, probes: &[(u8, &str)], side: Side) -> bool {
    conn.with_engine(|e| {
        probes
            .iter()
            .all(|(code, _)| !e.option_state(TelnetOption(*code), side).is_pending())
    })
    .unwrap_or(true)
}

/// Asks every option of `probes` on `side` that is not on already; returns the ones that were.
fn ask(conn: &ServerConnection, probes: &[(u8, &str)], side: Side) -> BTreeSet<u8> {
    conn.with_engine(|e| {
        let mut already = BTreeSet::new();
        for (code, _) in probes {
            let option = TelnetOption(*code);
            if e.option_state(option, side) == QState::Yes {
                already.insert(*code);
            } else if side == Side::Remote {
                e.enable_remote(option);
            } else {
                e.enable_local(option);
            }
        }
        already
    })
    .unwrap_or_default()
}

/// Sorts the answers to one direction's questions into accepted, already on, refused and
/// unanswered (an option still pending at the deadline).
fn answers(
    conn: &ServerConnection,
    probes: &[(u8, &str)],
    side: Side,
    already: &BTreeSet<u8>,
) -> BTreeMap<&'static str, BTreeSet<String>> {
    let mut out: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    for (code, name) in probes {
        let verdict = if already.contains(code) {
            "already-on"
        } else {
            match state(conn, *code, side) {
                QState::Yes => "accepted",
                s if s.is_pending() => "no-answer",
                _ => "refused",
            }
        };
        out.entry(verdict).or_default().insert((*name).to_owned());
    }
    out
}

/// telnetlib3's TERM category: "None", "Yes", "Yes-ansi", or a protocol-matched terminal.
fn term_category(term: Option<&str>) -> String {
    match term.map(str::to_lowercase) {
        None => "None".into(),
        Some(t) if t.is_empty() => "None".into(),
        Some(t) if t == "syncterm" => "Syncterm".into(),
        Some(t) if t.contains("ansi") => "Yes-ansi".into(),
        Some(_) => "Yes".into(),
    }
}

/// Whether the terminal types say MUD client: a name telnetlib3 lists, or an MTTS bit field
/// (telnetlib3's fingerprinting server counts those too).
fn is_mud_client(ttypes: &[String]) -> bool {
    ironboa::mud::is_mud_client(ttypes)
        || ttypes
            .iter()
            .any(|t| t.to_ascii_lowercase().starts_with("mtts "))
}

/// Probes the client, shows it the summary, saves the JSON; the connection is closed after.
pub fn run(conn: &ServerConnection, settings: &Settings) {
    let started = Instant::now();
    let mut seen = Seen::default();
    seen.drain(conn);

    // 1. DO for every option at once, then WILL for what a server performs: one round each,
    // as TinTin++ answers only the first of a DO and a WILL for the same option.
    let do_already = ask(conn, DO_PROBES, Side::Remote);
    let do_round = seen.pump(conn, Instant::now() + settings.probe_timeout, |_, conn| {
        settled(conn, DO_PROBES, Side::Remote)
    });
    let will_already = ask(conn, WILL_PROBES, Side::Local);
    let will_round = seen.pump(conn, Instant::now() + settings.probe_timeout, |_, conn| {
        settled(conn, WILL_PROBES, Side::Local)
    });
    let client_will = answers(conn, DO_PROBES, Side::Remote, &do_already);
    let client_do = answers(conn, WILL_PROBES, Side::Local, &will_already);

    // 2. The TTYPE cycle: SEND until a name repeats (RFC 1091's end, or MTTS wrapping round).
    let mut ttype_round = "not-asked";
    if state(conn, 24, Side::Remote) == QState::Yes {
        // The opening's (or the probe's) first SEND.
        ttype_round = seen.pump(conn, Instant::now() + settings.probe_timeout, |s, _| {
            !s.ttypes.is_empty()
        });
        while ttype_round == "answered" && seen.ttypes.len() < MAX_TTYPES {
            let n = seen.ttypes.len();
            let last = &seen.ttypes[n - 1];
            if n >= 2 && (seen.ttypes[n - 2] == *last || seen.ttypes[0] == *last) {
                break;
            }
            if conn
                .with_engine(|e| e.send_raw_subnegotiation(TelnetOption::TTYPE, &[1]))
                .is_err()
            {
                seen.closed = true;
                break;
            }
            ttype_round = seen.pump(conn, Instant::now() + settings.probe_timeout, |s, _| {
                s.ttypes.len() > n
            });
        }
    }

    // 3. What the opening asked and may still be answering: NEW_ENVIRON, CHARSET, LINEMODE's
    // SLC table.
    let environ_on = state(conn, 39, Side::Remote) == QState::Yes;
    let charset_on =
        state(conn, 42, Side::Remote) == QState::Yes || state(conn, 42, Side::Local) == QState::Yes;
    let linemode_on = state(conn, 34, Side::Remote) == QState::Yes;
    // The engine asks for TSPEED and XDISPLOC as soon as they are on.
    let asked: Vec<&str> = [(32, "TSPEED"), (35, "XDISPLOC")]
        .into_iter()
        .filter(|(code, _)| state(conn, *code, Side::Remote) == QState::Yes)
        .map(|(_, name)| name)
        .collect();
    let late_round = seen.pump(conn, Instant::now() + settings.probe_timeout, |s, _| {
        asked.iter().all(|name| s.subnegotiations.contains(*name))
            && (!environ_on || s.environ_replies > 0)
            && (!charset_on || s.charset.is_some() || s.charset_rejected)
            && (!linemode_on || !s.slc.is_empty())
    });

    // What the client volunteered, and what of that was refused.
    let (offered_will, offered_do, rejected_will, rejected_do) = conn
        .with_engine(|e| {
            let mut lists: [BTreeSet<String>; 4] = Default::default();
            for code in 0..=255u8 {
                let option = TelnetOption(code);
                if e.peer_offered(option, Side::Remote) {
                    lists[0].insert(option_name(code));
                    if !e.remote_enabled(option) {
                        lists[2].insert(option_name(code));
                    }
                }
                if e.peer_offered(option, Side::Local) {
                    lists[1].insert(option_name(code));
                    if !e.local_enabled(option) {
                        lists[3].insert(option_name(code));
                    }
                }
            }
            lists
        })
        .map(|[a, b, c, d]| (a, b, c, d))
        .unwrap_or_default();

    let repeated: BTreeSet<String> = seen
        .changes
        .iter()
        .filter(|(_, n)| **n >= 3)
        .map(|((code, remote, on), _)| {
            let verb = match (remote, on) {
                (true, true) => "WILL",
                (true, false) => "WONT",
                (false, true) => "DO",
                (false, false) => "DONT",
            };
            format!("{verb} {}", option_name(*code))
        })
        .collect();
    let slc: BTreeMap<String, Value> = seen
        .slc
        .values()
        .map(|t| (format!("{}", t.function), json!([t.flags & 0x03, t.value])))
        .collect();
    let environ_names: BTreeSet<&str> = seen
        .environ
        .iter()
        .filter(|(_, v)| v.as_deref().is_some_and(|v| !v.is_empty()))
        .map(|(k, _)| k.as_str())
        .collect();
    let term = conn.get_extra_info("TERM");
    let data = json!({
        "probed-protocol": "client",
        "offered-will": offered_will,
        "offered-do": offered_do,
        "rejected-will": rejected_will,
        "rejected-do": rejected_do,
        "client-will": client_will,
        "client-do": client_do,
        "ttype-count": seen.ttypes.len(),
        "TERM": term_category(term.as_deref()),
        "mud-client": is_mud_client(&seen.ttypes),
        "environ": environ_names,
        "charset": seen.charset.clone().unwrap_or_else(|| {
            if seen.charset_rejected { "rejected".into() } else { "None".into() }
        }),
        "naws": seen.window.is_some(),
        "linemode": {
            "modes": seen.linemode_modes,
            "forwardmask": seen.forward_mask,
            "slc": slc,
        },
        "subnegotiations": seen.subnegotiations,
        "repeated": repeated,
        "closed-during-probe": seen.closed,
    });
    let hash = fingerprint_store::hash_of(&data);
    let session = json!({
        "peer": conn.addrport(),
        "connected": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        "ttype-cycle": seen.ttypes,
        "environ": seen.environ,
        "window-size": seen.window,
        "commands": seen.commands,
        "protocol-errors": seen.protocol_errors,
        "rounds": {"do": do_round, "will": will_round, "ttype": ttype_round, "late": late_round},
        "probe-seconds": started.elapsed().as_secs_f64(),
    });
    let document = json!({
        "telnet-probe": {"fingerprint": hash, "fingerprint-data": data, "session_data": session},
    });
    if let Some(dir) = &settings.data_dir {
        let session_hash = fingerprint_store::hash_of(&session);
        match fingerprint_store::save(dir, "client", &hash, &session_hash, &document) {
            Ok(path) => log::info!(
                "{}: fingerprint {hash} in {}",
                conn.addrport(),
                path.display()
            ),
            Err(error) => log::warn!("{}: fingerprint {hash} not saved: {error}", conn.addrport()),
        }
    } else {
        log::info!("{}: fingerprint {hash}", conn.addrport());
    }
    if !seen.closed {
        let _ = conn.send(&summary(&hash, &data, &session));
    }
}

/// What the client is shown.
fn summary(hash: &str, d: &Value, s: &Value) -> String {
    let mut out = format!("Your Telnet client's fingerprint: {hash}\n");
    let mut line = |label: &str, value: String| out.push_str(&format!("  {label:<26} {value}\n"));
    line("offered WILL", list(&d["offered-will"]));
    line("offered DO", list(&d["offered-do"]));
    line("will (answered DO)", list(&d["client-will"]["accepted"]));
    let refused = d["client-will"]["refused"].as_array().map_or(0, Vec::len);
    line(
        "won't",
        format!("{refused} of the {} options asked", DO_PROBES.len()),
    );
    line("lets us (answered WILL)", list(&d["client-do"]["accepted"]));
    line("refuses us", list(&d["client-do"]["refused"]));
    let silent: Vec<String> = ["client-will", "client-do"]
        .iter()
        .map(|k| list(&d[*k]["no-answer"]))
        .filter(|l| l != "-")
        .collect();
    if !silent.is_empty() {
        line("no answer", silent.join(" "));
    }
    line("terminal types", list(&s["ttype-cycle"]));
    line("environment", list(&d["environ"]));
    line("charset", d["charset"].as_str().unwrap_or("-").to_owned());
    if let Some([c, r]) = s["window-size"]
        .as_array()
        .map(|a| [a[0].clone(), a[1].clone()])
    {
        line("window", format!("{c}x{r}"));
    }
    if d["mud-client"].as_bool() == Some(true) {
        line("kind", "a MUD client".to_owned());
    }
    if let Some(slc) = d["linemode"]["slc"].as_object().filter(|o| !o.is_empty()) {
        line("LINEMODE SLC functions", slc.len().to_string());
    }
    line("repeated itself", list(&d["repeated"]));
    out.push_str("Goodbye.\n");
    out
}
