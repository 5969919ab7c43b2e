//! The probe: connect, let the server lead, then ask about every option in both directions,
//! each round bounded by its deadline.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use ironboa::client::{ClientConfig, TelnetConnection};
use ironboa::proto::{QState, Side};
use ironboa::{Error, TelnetOption, Transport};
use serde_json::{Value, json};

use crate::wire::{self, DO, DONT, Item, SharedLog, WILL, WONT};

/// The options probed, by round. Round 1 is everything harmless; round 2 the options that can
/// change what the server does next (authentication, encryption, TLS), and TIMING-MARK and
/// STATUS; round 3 compression, last because an accepted MCCP2 turns the rest of the
/// server's stream into zlib.
pub const ROUND1: &[(u8, &str)] = &[
    (0, "BINARY"),
    (1, "ECHO"),
    (3, "SGA"),
    (5, "STATUS"),
    (23, "SNDLOC"),
    (24, "TTYPE"),
    (25, "EOR"),
    (31, "NAWS"),
    (32, "TSPEED"),
    (33, "LFLOW"),
    (34, "LINEMODE"),
    (35, "XDISPLOC"),
    (36, "ENVIRON"),
    (39, "NEW_ENVIRON"),
    (42, "CHARSET"),
    (44, "COM_PORT"),
    (69, "MSDP"),
    (70, "MSSP"),
    (90, "MSP"),
    (91, "MXP"),
    (93, "ZMP"),
    (102, "AARDWOLF"),
    (200, "ATCP"),
    (201, "GMCP"),
];
pub const ROUND2: &[(u8, &str)] = &[(37, "AUTHENTICATION"), (38, "ENCRYPT"), (46, "TLS")];
pub const ROUND3: &[(u8, &str)] = &[(86, "MCCP2"), (87, "MCCP3")];
const TM: u8 = 6;
const STATUS: u8 = 5;

/// The name of an option code, as telnetlib3 names them.
pub fn option_name(code: u8) -> String {
    for (c, name) in ROUND1.iter().chain(ROUND2).chain(ROUND3) {
        if *c == code {
            return (*name).to_owned();
        }
    }
    if code == TM {
        return "TM".to_owned();
    }
    TelnetOption(code)
        .name()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("#{code}"))
}

/// How the probe is run.
#[derive(Clone)]
pub struct Settings {
    pub connect_timeout: Duration,
    /// Each probe round waits at most this long for its answers.
    pub probe_timeout: Duration,
    /// The server leads until it has been quiet this long...
    pub banner_quiet: Duration,
    /// ...or this long has passed.
    pub banner_max_wait: Duration,
    /// Probe over TLS (`--ssl`), verifying the server as this says.
    pub tls: Option<ironboa::tls::TlsClientConfig>,
}

/// Per option asked in a round: (remote already on, local already on).
type Asked = BTreeMap<u8, (bool, bool)>;

/// How one question was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Accepted,
    AlreadyOn,
    Refused,
    Silent,
    Closed,
}

impl Answer {
    fn name(self) -> &'static str {
        match self {
            Answer::Accepted => "accepted",
            Answer::AlreadyOn => "already-on",
            Answer::Refused => "refused",
            Answer::Silent => "no-answer",
            Answer::Closed => "closed",
        }
    }
}

/// What one run found.
pub struct Report {
    /// The protocol behaviour: what is hashed.
    pub data: Value,
    /// The hash of `data`.
    pub hash: String,
    /// What changes from run to run: addresses, times, the banner.
    pub session: Value,
}

/// How a wait ended.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    Done,
    Deadline,
    Closed,
}

struct Prober {
    conn: TelnetConnection,
    log: SharedLog,
    /// Application data read, while it matters (the banner), capped.
    data: Vec<u8>,
    closed: bool,
}

const MAX_BANNER: usize = 64 * 1024;
const MAX_LOG: usize = 1024 * 1024;
const POLL: Duration = Duration::from_millis(20);

impl Prober {
    /// Reads (answering negotiation) until `done` holds, the deadline passes or the server
    /// hangs up. Data is kept up to MAX_BANNER; the rest is read and dropped, so a server that
    /// talks for ever costs only the deadline.
    fn pump(&mut self, deadline: Instant, mut done: impl FnMut(&mut Prober) -> bool) -> Ended {
        loop {
            if done(self) {
                return Ended::Done;
            }
            if self.closed {
                return Ended::Closed;
            }
            let now = Instant::now();
            if now >= deadline {
                return Ended::Deadline;
            }
            match self
                .conn
                .read_bytes(64 * 1024, Some((deadline - now).min(POLL)))
            {
                Ok(bytes) => {
                    let room = MAX_BANNER.saturating_sub(self.data.len());
                    self.data.extend_from_slice(&bytes[..bytes.len().min(room)]);
                }
                Err(Error::Timeout { .. }) => {}
                Err(_) => self.closed = true,
            }
            // Events are not needed (the wire log has everything); drop them so none pile up.
            while self.conn.next_event(Some(Duration::ZERO)).is_ok() {}
        }
    }

    fn states(&self, option: u8) -> (QState, QState) {
        self.conn
            .with_engine(|e| {
                (
                    e.option_state(TelnetOption(option), Side::Remote),
                    e.option_state(TelnetOption(option), Side::Local),
                )
            })
            .unwrap_or((QState::No, QState::No))
    }

    /// Sends DO and WILL for each option of a round that is not on already. Returns, per
    /// option, (log offset where the answers start, remote already on, local already on).
    fn ask(&mut self, round: &[(u8, &str)]) -> (usize, Asked) {
        let start = wire::log_len(&self.log);
        let mut asked = BTreeMap::new();
        let result = self.conn.with_engine(|e| {
            for (code, _) in round {
                let option = TelnetOption(*code);
                let remote_on = e.option_state(option, Side::Remote) == QState::Yes;
                let local_on = e.option_state(option, Side::Local) == QState::Yes;
                if !remote_on {
                    e.enable_remote(option);
                }
                if !local_on {
                    e.enable_local(option);
                }
                asked.insert(*code, (remote_on, local_on));
            }
        });
        if result.is_err() {
            self.closed = true;
        }
        (start, asked)
    }

    fn settled(&self, round: &[(u8, &str)]) -> bool {
        round.iter().all(|(code, _)| {
            let (remote, local) = self.states(*code);
            !remote.is_pending() && !local.is_pending()
        })
    }
}

/// The first answer to a question asked at log offset `from`: `yes`/`no` verbs for `option`.
fn answer(
    items: &[(usize, Item)],
    from: usize,
    option: u8,
    yes: u8,
    no: u8,
    closed: bool,
) -> Answer {
    for (pos, item) in items {
        if *pos < from {
            continue;
        }
        if let Item::Neg { verb, option: o } = item {
            if *o == option && *verb == yes {
                return Answer::Accepted;
            }
            if *o == option && *verb == no {
                return Answer::Refused;
            }
        }
    }
    if closed {
        Answer::Closed
    } else {
        Answer::Silent
    }
}

/// Connects to `host:port` and fingerprints the server.
pub fn run(host: &str, port: u16, settings: &Settings) -> Result<Report, String> {
    let started = Instant::now();
    let connected_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut stream = None;
    let mut last_error = String::from("no address");
    for address in (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}:{port}: {e}"))?
    {
        match TcpStream::connect_timeout(&address, settings.connect_timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_error = format!("{address}: {e}"),
        }
    }
    let stream = stream.ok_or(last_error)?;
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let _ = stream.set_nodelay(true);
    let log = wire::new_log(MAX_LOG);
    let mut tls_agreed = None;
    let (inner, writer): (
        Box<dyn std::io::Read + Send>,
        Box<dyn std::io::Write + Send>,
    ) = match &settings.tls {
        Some(config) => {
            let (reader, writer, agreed) =
                crate::tls::connect(&stream, host, config, settings.connect_timeout)?;
            tls_agreed = Some(agreed);
            (Box::new(reader), Box::new(writer))
        }
        None => (
            Box::new(stream.try_clone().map_err(|e| e.to_string())?),
            Box::new(stream.try_clone().map_err(|e| e.to_string())?),
        ),
    };
    let reader = wire::TeeReader {
        inner,
        log: log.clone(),
    };
    let writer = wire::Writer(writer);
    // Compression refused: the probe asks for MCCP2 itself, last, and reads the compressed
    // stream from the wire log; the server's own offers are answered as it found them.
    let config = ClientConfig::default()
        .compression(ironboa::compress::Compression::Refuse)
        .connect_minwait(Duration::ZERO)
        .terminal_type("xterm")
        .window_size(80, 24);
    let conn = TelnetConnection::from_transport(Transport::from_streams(reader, writer), config)
        .map_err(|e| e.to_string())?;
    let mut p = Prober {
        conn,
        log: log.clone(),
        data: Vec::new(),
        closed: false,
    };

    // 1. The server leads: read until it has been quiet for banner_quiet (bounded).
    let lead_deadline = Instant::now() + settings.banner_max_wait;
    let mut last_len = 0;
    let mut last_change = Instant::now();
    let quiet = settings.banner_quiet;
    let lead_end = p.pump(lead_deadline, |p| {
        let len = wire::log_len(&p.log);
        if len != last_len {
            last_len = len;
            last_change = Instant::now();
        }
        last_change.elapsed() >= quiet
    });
    let opening_end = wire::log_len(&log);
    let banner = String::from_utf8_lossy(&p.data).into_owned();
    let lead_secs = started.elapsed().as_secs_f64();

    // 2. Round 1: DO and WILL for every harmless option.
    let mut asked: Vec<(usize, Asked)> = Vec::new();
    let mut round_ends = Vec::new();
    let (start, a) = p.ask(ROUND1);
    asked.push((start, a));
    let end = p.pump(Instant::now() + settings.probe_timeout, |p| {
        p.settled(ROUND1)
    });
    round_ends.push(end);

    // 3. Round 2: STATUS SEND (when the server does STATUS), DO TIMING-MARK, and the options
    // that change what the server does.
    let status_from = wire::log_len(&log);
    let status_asked = !p.closed && p.states(STATUS).0 == QState::Yes;
    if status_asked {
        let _ = p
            .conn
            .with_engine(|e| e.send_raw_subnegotiation(TelnetOption(STATUS), &[1]));
    }
    let tm_from = wire::log_len(&log);
    if !p.closed {
        let _ = p.conn.with_engine(|e| e.send_timing_mark());
    }
    let (start, a) = p.ask(ROUND2);
    asked.push((start, a));
    let log2 = log.clone();
    let end = p.pump(Instant::now() + settings.probe_timeout, |p| {
        let bytes = log2.lock().map(|l| l.bytes.clone()).unwrap_or_default();
        let (items, _) = wire::parse(&bytes);
        let tm_done = items.iter().any(|(pos, i)| {
            *pos >= tm_from
                && matches!(i, Item::Neg { option: TM, verb } if *verb == WILL || *verb == WONT)
        });
        let status_done = !status_asked || items.iter().any(|(pos, i)| {
            *pos >= status_from
                && matches!(i, Item::Sb { option: STATUS, payload } if payload.first() == Some(&0))
        });
        tm_done && status_done && p.settled(ROUND2)
    });
    round_ends.push(end);

    // 4. Round 3: compression, last.
    let (start, a) = p.ask(ROUND3);
    asked.push((start, a));
    let end = p.pump(Instant::now() + settings.probe_timeout, |p| {
        p.settled(ROUND3)
    });
    round_ends.push(end);
    let probe_secs = started.elapsed().as_secs_f64() - lead_secs;
    p.conn.close();
    let _ = stream.shutdown(std::net::Shutdown::Both);

    // 5. What the wire says.
    let (bytes, truncated) = log
        .lock()
        .map(|l| (l.bytes.clone(), l.truncated))
        .unwrap_or_default();
    let (items, compressed_from) = wire::parse(&bytes);
    let closed = p.closed;

    let mut opening: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for verb in ["WILL", "WONT", "DO", "DONT"] {
        opening.insert(verb, BTreeSet::new());
    }
    for (pos, item) in &items {
        if *pos >= opening_end {
            break;
        }
        if let Item::Neg { verb, option } = item {
            opening
                .get_mut(wire::verb_name(*verb))
                .map(|s| s.insert(option_name(*option)));
        }
    }

    let rounds = [ROUND1, ROUND2, ROUND3];
    let mut server_will: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut server_do: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut per_option = serde_json::Map::new();
    for (round, (from, asked)) in rounds.iter().zip(&asked) {
        for (code, name) in round.iter() {
            let Some((remote_on, local_on)) = asked.get(code) else {
                continue;
            };
            let will = if *remote_on {
                Answer::AlreadyOn
            } else {
                answer(&items, *from, *code, WILL, WONT, closed)
            };
            let does = if *local_on {
                Answer::AlreadyOn
            } else {
                answer(&items, *from, *code, DO, DONT, closed)
            };
            server_will
                .entry(will.name())
                .or_default()
                .insert((*name).to_owned());
            server_do
                .entry(does.name())
                .or_default()
                .insert((*name).to_owned());
            per_option.insert(
                (*name).to_owned(),
                json!({"will": will.name(), "do": does.name()}),
            );
        }
    }
    let timing_mark = match answer(&items, tm_from, TM, WILL, WONT, closed) {
        Answer::Accepted => "WILL",
        Answer::Refused => "WONT",
        other => other.name(),
    };

    // Subnegotiations the server sent (before any compression).
    let mut sb_names = BTreeSet::new();
    let mut ttype_requests = 0;
    let mut environ_requested: Option<Vec<String>> = None;
    let mut charset: BTreeMap<String, Value> = BTreeMap::new();
    let mut status_reply: Option<Vec<String>> = None;
    let mut linemode_modes = BTreeSet::new();
    for (pos, item) in &items {
        let Item::Sb { option, payload } = item else {
            continue;
        };
        sb_names.insert(option_name(*option));
        match (*option, payload.first()) {
            (24, Some(1)) => ttype_requests += 1,
            (39, Some(1)) if environ_requested.is_none() => {
                environ_requested = Some(environ_send(&payload[1..]))
            }
            (42, Some(1)) => {
                // REQUEST [TTABLE version] sep name sep name...
                let rest = &payload[1..];
                let names = charset_list(rest);
                charset.entry("requested".into()).or_insert(json!(names));
            }
            (42, Some(2)) => {
                charset
                    .entry("accepted".into())
                    .or_insert(json!(String::from_utf8_lossy(&payload[1..])));
            }
            (42, Some(3)) => {
                charset.entry("rejected".into()).or_insert(json!(true));
            }
            (5, Some(0)) if *pos >= status_from && status_reply.is_none() => {
                status_reply = Some(status_is(&payload[1..]))
            }
            (34, Some(1)) => {
                if let Some(mask) = payload.get(1) {
                    linemode_modes.insert(*mask);
                }
            }
            _ => {}
        }
    }
    // A server that repeats itself: the same command three times or more.
    let mut counts: BTreeMap<(u8, u8), usize> = BTreeMap::new();
    for (_, item) in &items {
        if let Item::Neg { verb, option } = item {
            *counts.entry((*verb, *option)).or_default() += 1;
        }
    }
    let repeated: BTreeSet<String> = counts
        .iter()
        .filter(|(_, n)| **n >= 3)
        .map(|((verb, option), _)| format!("{} {}", wire::verb_name(*verb), option_name(*option)))
        .collect();

    let data = json!({
        "probed-protocol": "server",
        "opening": opening,
        "server-will": server_will,
        "server-do": server_do,
        "timing-mark": timing_mark,
        "status-reply": status_reply,
        "ttype-requests": ttype_requests,
        "environ-requested": environ_requested,
        "charset": charset,
        "linemode-modes": linemode_modes,
        "subnegotiations": sb_names,
        "repeated": repeated,
        "closed-during-probe": closed,
        "compressed": compressed_from.is_some(),
    });
    let hash = crate::fingerprint_store::hash_of(&data);
    let round_names: Vec<&str> = round_ends
        .iter()
        .map(|e| match e {
            Ended::Done => "answered",
            Ended::Deadline => "deadline",
            Ended::Closed => "closed",
        })
        .collect();
    let session = json!({
        "host": host,
        "port": port,
        "peer": peer,
        "connected": connected_at,
        "banner": banner,
        "lead-ended": match lead_end { Ended::Done => "quiet", Ended::Deadline => "deadline", Ended::Closed => "closed" },
        "rounds": round_names,
        "options": per_option,
        "timing": {"lead": lead_secs, "probe": probe_secs},
        "bytes-received": bytes.len(),
        "tls": tls_agreed.map(|a| json!({"version": a.version, "cipher": a.cipher})),
        "log-truncated": truncated,
    });
    Ok(Report {
        data,
        hash,
        session,
    })
}

/// NEW_ENVIRON SEND's list: "VAR NAME", "USERVAR NAME", or "VAR *" for an empty name (all).
fn environ_send(payload: &[u8]) -> Vec<String> {
    if payload.is_empty() {
        return vec!["VAR *".into(), "USERVAR *".into()];
    }
    let mut out = Vec::new();
    let mut kind: Option<&str> = None;
    let mut name = Vec::new();
    let flush = |kind: Option<&str>, name: &mut Vec<u8>, out: &mut Vec<String>| {
        if let Some(kind) = kind {
            let text = String::from_utf8_lossy(name).into_owned();
            out.push(format!(
                "{kind} {}",
                if text.is_empty() { "*".into() } else { text }
            ));
        }
        name.clear();
    };
    for &b in payload {
        match b {
            0 | 3 => {
                flush(kind, &mut name, &mut out);
                kind = Some(if b == 0 { "VAR" } else { "USERVAR" });
            }
            _ => name.push(b),
        }
    }
    flush(kind, &mut name, &mut out);
    out
}

/// CHARSET REQUEST's names (an optional TTABLE version byte first, then sep-separated).
fn charset_list(rest: &[u8]) -> Vec<String> {
    let rest = rest
        .strip_prefix(b"[TTABLE]".as_slice())
        .map(|r| r.get(1..).unwrap_or(&[]))
        .unwrap_or(rest);
    let Some((&sep, names)) = rest.split_first() else {
        return Vec::new();
    };
    names
        .split(|b| *b == sep)
        .filter(|n| !n.is_empty())
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect()
}

/// STATUS IS: the server's view, as sorted "WILL X" / "DO X" lines (subnegotiations skipped).
fn status_is(payload: &[u8]) -> Vec<String> {
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < payload.len() {
        match payload[i] {
            WILL | DO if i + 1 < payload.len() => {
                out.insert(format!(
                    "{} {}",
                    wire::verb_name(payload[i]),
                    option_name(payload[i + 1])
                ));
                i += 2;
            }
            wire::SB => {
                // Skip to SE.
                while i < payload.len() && payload[i] != wire::SE {
                    i += 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    out.into_iter().collect()
}
