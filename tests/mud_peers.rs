//! The MUD protocols against real MUD clients: TinTin++ (in tmux) against
//! `ironboa-server --shell mud` and against a character-mode server, and telnetlib3's client
//! with `--gmcp-modules`.
#![cfg(feature = "cli")]

mod support;

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use ironboa::options::Subnegotiation;
use ironboa::{BlockingTelnetServer, Event, ServerConfig, ServerConnection, TelnetOption};
use support::eventually;
use support::peers::{have_program, python};
use support::server_bin::ServerProcess;
use support::tmux::Pane;

const TINTIN: &str = "/usr/games/tt++";

fn have_tintin() -> bool {
    have_program("tmux") && have_program(TINTIN)
}

/// A scratch directory for one test, removed on drop.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("ironboa-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.0.join(file)).unwrap_or_default()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// TinTin++ answers `WILL GMCP` and `WILL MSDP` with DONT unless a script takes them over:
/// its telnet code (telopt_client.c) leaves a `WILL <option>` to the script whenever an
/// `#event {IAC WILL <option>}` exists, and otherwise answers from its own table, where GMCP
/// and MSDP are not wanted. So the script's events answer `DO` themselves with `#send` (the
/// trailing `\` sends no newline) and, for MSDP, ask for ROOM and HEALTH to be reported.
/// What arrives is written to a file by `#event {IAC SB GMCP}` and `#event {IAC SB MSDP}`
/// (the pane scrolls), and so is every prompt TinTin++ recognised by its IAC EOR
/// (`#event {RECEIVED PROMPT}`). `#config {debug telnet}` would show the same on screen.
fn tintin_script(dir: &std::path::Path, port: u16) -> std::path::PathBuf {
    let log = dir.join("events.log");
    let log = log.display();
    let script = format!(
        "#event {{IAC WILL GMCP}} {{#send {{\\xFF\\xFD\\xC9\\}}}}\n\
         #event {{IAC WILL MSDP}} {{#send {{\\xFF\\xFD\\x45\\}};\
         #send {{\\xFF\\xFA\\x45\\x01REPORT\\x02ROOM\\x02HEALTH\\xFF\\xF0\\}}}}\n\
         #event {{IAC SB GMCP}} {{#line log {{{log}}} {{GMCP %0 = %1}}}}\n\
         #event {{IAC SB MSDP}} {{#line log {{{log}}} {{MSDP %0 = %2}}}}\n\
         #event {{RECEIVED PROMPT}} {{#line log {{{log}}} {{PROMPT [%1]}}}}\n\
         #session mud 127.0.0.1 {port}\n"
    );
    let path = dir.join("mud.tin");
    std::fs::write(&path, script).unwrap();
    path
}

#[test]
fn tintin_gets_gmcp_and_msdp_from_the_mini_mud() {
    if !have_tintin() {
        return;
    }
    let server = ServerProcess::start(&["--shell", "mud"]);
    let scratch = Scratch::new("tintin-mud");
    let script = tintin_script(&scratch.0, server.port);
    let pane = Pane::start("tintin-mud", &format!("{TINTIN} -G {}", script.display()));
    pane.wait_for("By what name are you known?");
    pane.type_text("Zed");
    pane.keys(&["Enter"]);
    pane.wait_for("The Town Square");
    // The prompt ends with IAC EOR (TinTin++ said DO EOR): it shows, TinTin++ takes it for a
    // prompt (below), and a command after it works.
    pane.wait_for("<100/100hp>");
    pane.type_text("east");
    pane.keys(&["Enter"]);
    pane.wait_for("The Tavern");
    pane.wait_for("<99/100hp>");
    let mut events = String::new();
    let arrived = eventually(15, || {
        events = scratch.read("events.log");
        events.contains("GMCP Char.Vitals = {hp}{99}")
            && events.contains("MSDP HEALTH = 99")
            && events.contains("{NAME}{The Tavern}")
            && events.contains("PROMPT [<99/100hp> ]")
    });
    assert!(arrived, "TinTin++'s events saw:\n{events}");
    assert!(
        events.contains("PROMPT [By what name are you known? ]"),
        "{events}"
    );
    assert!(events.contains("PROMPT [<100/100hp> ]"), "{events}");
    // TinTin++ decoded the JSON of Room.Info into its table form, and MSDP's nested tables.
    assert!(
        events.contains(
            "GMCP Room.Info = {area}{town}{exits}{{e}{2}{n}{1}}{name}{The Town Square}{num}{0}"
        ),
        "{events}"
    );
    assert!(
        events.contains("MSDP ROOM = {VNUM}{2}{NAME}{The Tavern}{AREA}{town}{EXITS}{{w}{0}{u}{3}}"),
        "{events}"
    );
    pane.type_text("quit");
    pane.keys(&["Enter"]);
    pane.wait_for("Goodbye.");
}

#[test]
fn tintin_is_left_in_line_mode_by_a_character_mode_server() {
    if !have_tintin() {
        return;
    }
    let config = ServerConfig::default().character_mode(true);
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server
        .serve_in_background(|conn: ServerConnection| {
            let status = format!(
                "mode={} mud={} echo={}\n> ",
                conn.mode(),
                conn.is_mud_client(),
                conn.with_engine(|e| e.local_enabled(TelnetOption::ECHO))
                    .unwrap()
            );
            if conn.send(&status).is_err() {
                return;
            }
            while let Ok(line) = conn.readline(Some(Duration::from_secs(30))) {
                if conn.send(&format!("got [{line}]\n> ")).is_err() {
                    return;
                }
            }
        })
        .unwrap();
    let port = server.local_addr().port();
    let pane = Pane::start(
        "tintin-line",
        &format!("{TINTIN} -G -e '#session x 127.0.0.1 {port}'"),
    );
    // TinTin++ reports TINTIN++ as its first terminal type: no WILL ECHO (which it would take
    // as password mode, hiding what is typed) and no WILL SGA.
    pane.wait_for("mode=local mud=true echo=false");
    pane.type_text("look around");
    pane.keys(&["Enter"]);
    pane.wait_for("got [look around]");
    server.shutdown();
}

#[test]
fn telnetlib3_client_says_hello_with_its_gmcp_modules() {
    let Some(python) = python() else { return };
    let (tx, rx) = mpsc::channel::<Vec<(String, serde_json::Value)>>();
    let tx = std::sync::Mutex::new(tx);
    let config = ServerConfig::default().offer_local(&[TelnetOption::GMCP]);
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server
        .serve_in_background(move |conn: ServerConnection| {
            let mut received = Vec::new();
            while received.len() < 2 {
                match conn.next_event(Some(Duration::from_secs(20))) {
                    Ok(Event::Subnegotiation(Subnegotiation::Gmcp(message))) => {
                        let body = message.json().unwrap().unwrap_or_default();
                        received.push((message.package, body));
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            let _ = tx.lock().unwrap().send(received);
            let vitals = serde_json::json!({"hp": 7, "maxhp": 10, "note": "a \"quoted\" ÿ"});
            assert!(conn.send_gmcp("Char.Vitals", &vitals).unwrap());
            let _ = conn.send("vitals sent\n");
            let _ = conn.readline(Some(Duration::from_secs(20)));
        })
        .unwrap();
    let port = server.local_addr().port();
    let scratch = Scratch::new("tl3-gmcp");
    let logfile = scratch.0.join("client.log");
    let mut client = Command::new(python.with_file_name("telnetlib3-client"))
        .args([
            "--gmcp-modules",
            "Char 1,Room 1",
            "--loglevel",
            "debug",
            "--logfile",
        ])
        .arg(&logfile)
        .args(["127.0.0.1", &port.to_string()])
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start telnetlib3-client");
    let received = rx.recv_timeout(Duration::from_secs(20)).expect("no GMCP");
    assert_eq!(received.len(), 2, "{received:?}");
    assert_eq!(received[0].0, "Core.Hello");
    assert_eq!(received[0].1["client"], "telnetlib3");
    assert_eq!(received[1].0, "Core.Supports.Set");
    assert_eq!(received[1].1, serde_json::json!(["char 1", "room 1"]));
    // telnetlib3 logs each GMCP message it decodes ("GMCP: package data").
    let mut log = String::new();
    let logged = eventually(15, || {
        log = scratch.read("client.log");
        log.contains("GMCP: Char.Vitals")
    });
    drop(client.stdin.take());
    let _ = client.kill();
    let _ = client.wait();
    server.shutdown();
    assert!(logged, "telnetlib3-client's log:\n{log}");
    let line = log
        .lines()
        .find(|l| l.contains("GMCP: Char.Vitals"))
        .unwrap();
    assert!(
        line.contains("'hp': 7") && line.contains("a \"quoted\" ÿ"),
        "{line}"
    );
}

/// `ironboa-client --loglevel debug` shows the GMCP, MSDP and MSSP it receives; `--always-do`
/// asks for MSDP and MSSP, and GMCP is accepted with telnetlib3's default modules.
#[test]
fn ironboa_client_logs_gmcp_msdp_and_mssp_at_debug() {
    use ironboa::mud::MsspSource;
    use ironboa::options::{Msdp, MsdpValue, Mssp};
    let (tx, rx) = mpsc::channel::<String>();
    let tx = std::sync::Mutex::new(tx);
    let status = Mssp::new()
        .with("NAME", "Logged")
        .with_values("PORT", &["4000", "4001"]);
    let config = ServerConfig::default()
        .offer_local(&[TelnetOption::GMCP, TelnetOption::MSDP])
        .mssp(MsspSource::fixed(status));
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server
        .serve_in_background(move |conn: ServerConnection| {
            // The client's hello, as telnetlib3's (its default modules).
            let supports = loop {
                match conn.next_event(Some(Duration::from_secs(20))) {
                    Ok(Event::Subnegotiation(Subnegotiation::Gmcp(m)))
                        if m.package == "Core.Supports.Set" =>
                    {
                        break String::from_utf8_lossy(&m.data).into_owned();
                    }
                    Ok(_) => {}
                    Err(_) => return,
                }
            };
            let _ = tx.lock().unwrap().send(supports);
            conn.send_gmcp("Room.Info", &serde_json::json!({"name": "Hall"}))
                .unwrap();
            let room = MsdpValue::table([("NAME", "Hall"), ("VNUM", "1")]);
            assert!(conn.send_msdp(&Msdp::new().with("ROOM", room)).unwrap());
            // Then it hangs up, which ends the client (--eof-wait inf waits for that).
            let _ = conn.send("sent\n");
        })
        .unwrap();
    let port = server.local_addr().port();
    let output = Command::new(env!("CARGO_BIN_EXE_ironboa-client"))
        .args(["127.0.0.1", &port.to_string()])
        .args(["--loglevel", "debug", "--always-do", "MSDP,MSSP"])
        .args(["--gmcp-modules", "Char 1,Room 1", "--eof-wait", "inf"])
        .stdin(Stdio::null())
        .output()
        .expect("run ironboa-client");
    let supports = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    server.shutdown();
    assert_eq!(supports, r#"["char 1","room 1"]"#);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("sent"), "{stdout}");
    for expected in [
        r#"recv GMCP Room.Info {\"name\":\"Hall\"}"#,
        "recv MSDP ROOM = {NAME: Hall, VNUM: 1}",
        "recv MSSP NAME = Logged",
        "recv MSSP PORT = 4000, 4001",
    ] {
        assert!(stderr.contains(expected), "no {expected:?} in:\n{stderr}");
    }
}

/// The mini-MUD example, played by ironboa's client: the name, a move, `say` seen by a
/// second player, `who`, GMCP and MSDP reports, prompts ended with EOR.
#[test]
fn mini_mud_example_plays() {
    use ironboa::options::{Msdp, MsdpValue};
    use ironboa::proto::Policy;
    use ironboa::{ClientConfig, Command as TelnetCommand, TelnetConnection};
    use std::io::{BufRead, BufReader};
    let mut path = std::env::current_exe().unwrap();
    path.pop();
    path.pop();
    path.push("examples/mini_mud");
    let mut example = Killed(
        Command::new(&path)
            .arg("127.0.0.1:0")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    );
    let mut first = String::new();
    BufReader::new(example.0.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let t = Some(Duration::from_secs(20));
    let mut policy = Policy::client();
    policy.remote.insert(TelnetOption::MSDP);
    let connect = || {
        TelnetConnection::connect(
            addr.as_str(),
            ClientConfig::default()
                .policy(policy)
                .gmcp_modules(&["Room 1"]),
        )
        .unwrap()
    };
    let zed = connect();
    zed.read_until("known? ", t).unwrap();
    zed.send("zed\n").unwrap();
    zed.read_until("<100/100hp> ", t).unwrap();
    // The prompt ended with EOR (the client agreed to it).
    let mut saw_eor = false;
    while let Ok(event) = zed.next_event(Some(Duration::ZERO)) {
        saw_eor |= event == Event::Command(TelnetCommand::EndOfRecord);
    }
    assert!(saw_eor);
    zed.send_msdp(&Msdp::command("REPORT", &["HEALTH"]))
        .unwrap();
    assert_eq!(
        next_msdp(&zed),
        Msdp::new().with("HEALTH", MsdpValue::from(100))
    );
    let amy = connect();
    amy.read_until("known? ", t).unwrap();
    amy.send("amy\n").unwrap();
    amy.read_until("<100/100hp> ", t).unwrap();
    zed.read_until("Amy arrives.", t).unwrap();
    amy.send("say hello there\n").unwrap();
    zed.read_until("Amy says, 'hello there'", t).unwrap();
    zed.send("who\n").unwrap();
    let who = zed.read_until("<100/100hp> ", t).unwrap();
    assert!(
        who.contains("2 player(s) online") && who.contains("Amy (The Town Square)"),
        "{who}"
    );
    zed.send("east\n").unwrap();
    zed.read_until("The Tavern", t).unwrap();
    // Room.Info (GMCP) goes out with the room, HEALTH (MSDP, reported) with the vitals.
    let (mut room, mut health) = (None, None);
    while room.is_none() || health.is_none() {
        match zed.next_event(t).unwrap() {
            Event::Subnegotiation(Subnegotiation::Gmcp(m)) if m.package == "Room.Info" => {
                let json = m.json().unwrap().unwrap();
                if json["name"] == "The Tavern" {
                    room = Some(json);
                }
            }
            Event::Subnegotiation(Subnegotiation::Msdp(m)) => health = Some(m),
            _ => {}
        }
    }
    assert_eq!(
        health.unwrap(),
        Msdp::new().with("HEALTH", MsdpValue::from(99))
    );
    let room = room.unwrap();
    assert_eq!(room["exits"], serde_json::json!({"w": 0, "u": 3}));
    zed.send("quit\n").unwrap();
    zed.read_until("Goodbye.", t).unwrap();
    amy.read_until("Zed leaves", t).unwrap();
}

/// A child process killed on drop, so a failing test leaves none behind.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn next_msdp(conn: &ironboa::TelnetConnection) -> ironboa::options::Msdp {
    loop {
        if let Event::Subnegotiation(Subnegotiation::Msdp(m)) =
            conn.next_event(Some(Duration::from_secs(20))).unwrap()
        {
            return m;
        }
    }
}

/// telnetlib3's fingerprinting client reads a server's MSSP as MUD crawlers do: it gets the
/// status of the moment, a name with several values as a list.
#[test]
fn telnetlib3_fingerprint_reads_mssp() {
    use ironboa::mud::MsspSource;
    use ironboa::options::Mssp;
    let Some(python) = python() else { return };
    let players = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(41));
    let count = players.clone();
    let source = MsspSource::new(move || {
        let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        Mssp::new()
            .with("NAME", "Crawled")
            .with("PLAYERS", &n.to_string())
            .with_values("PORT", &["4000", "4001"])
    });
    let server =
        BlockingTelnetServer::bind("127.0.0.1:0", ServerConfig::default().mssp(source)).unwrap();
    server
        .serve_in_background(|conn: ServerConnection| {
            let _ = conn.send("Welcome.\n");
            while conn.readline(Some(Duration::from_secs(20))).is_ok() {}
        })
        .unwrap();
    let port = server.local_addr().port();
    let scratch = Scratch::new("tl3-mssp");
    let json = scratch.0.join("fingerprint.json");
    let output = Command::new(python.with_file_name("telnetlib3-fingerprint"))
        .args([
            "127.0.0.1",
            &port.to_string(),
            "--mssp-wait",
            "10",
            "--silent",
        ])
        .arg("--save-json")
        .arg(&json)
        .output()
        .expect("run telnetlib3-fingerprint");
    server.shutdown();
    let text = std::fs::read_to_string(&json).unwrap_or_else(|e| {
        panic!(
            "no fingerprint ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let fingerprint: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mssp = find_key(&fingerprint, "mssp").unwrap_or_else(|| panic!("no mssp in {text}"));
    assert_eq!(mssp["NAME"], "Crawled");
    assert_eq!(mssp["PLAYERS"], "42");
    assert_eq!(mssp["PORT"], serde_json::json!(["4000", "4001"]));
}

/// The first value under `key` anywhere in `value`.
fn find_key<'a>(value: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    match value {
        serde_json::Value::Object(map) => map
            .get(key)
            .filter(|v| !v.is_null())
            .or_else(|| map.values().find_map(|v| find_key(v, key))),
        serde_json::Value::Array(items) => items.iter().find_map(|v| find_key(v, key)),
        _ => None,
    }
}
