//! `GameServer`, miniboa's game loop: callbacks, lines, floods, drops and miniboa's defaults,
//! with real clients (Python's stdlib telnetlib from the peers venv, and raw sockets where a
//! test needs every byte), and miniboa's own chat demo against the port of it.
//!
//! The test thread is the game thread: it calls `poll`, so every wait is a poll (or a child
//! process ending), bounded only so that a failure cannot hang the suite.

mod support;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use ironboa::server::game::{GameClient, GameServer};
use ironboa::{ConnectionId, ServerConfig};
use support::peers;

/// How long any wait may take before the test fails (nothing here should come near it).
const BOUND: Duration = Duration::from_secs(60);
/// The wait of one poll in the tests' loops: polls return early whenever something arrives.
const TICK: Option<Duration> = Some(Duration::from_millis(20));

fn bind<G>(config: ServerConfig) -> GameServer<G> {
    GameServer::bind("127.0.0.1:0", config).unwrap()
}

/// Polls until `done` holds; fails the test past [`BOUND`].
fn poll_until<G>(
    server: &mut GameServer<G>,
    game: &mut G,
    what: &str,
    mut done: impl FnMut(&GameServer<G>, &mut G) -> bool,
) {
    let deadline = Instant::now() + BOUND;
    while !done(server, game) {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        server.poll(game, TICK);
    }
}

/// tests/peers/drive.py with Python's stdlib telnetlib, on a thread of its own so that the
/// test thread can go on polling.
fn drive(port: u16, steps: Vec<String>) -> JoinHandle<Vec<(String, String)>> {
    thread::spawn(move || {
        let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
        peers::drive("stdlib", port, &steps)
    })
}

fn steps(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A child process, killed when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// tests/peers/game_clients.py in `mode` (flood, idle, reset).
fn bad_client(port: u16, mode: &str) -> Option<Child> {
    let python = peers::python()?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/game_clients.py");
    let child = Command::new(python)
        .arg(script)
        .args(["127.0.0.1", &port.to_string(), mode])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("start game_clients.py");
    Some(Child(child))
}

fn all_finished<T>(threads: &[JoinHandle<T>]) -> bool {
    threads.iter().all(JoinHandle::is_finished)
}

// ----- a raw client, for byte-exact checks -----

/// A plain socket speaking just enough Telnet: it answers the server's opening `DO TTYPE`
/// with `WONT TTYPE` (a "dumb" client, as telnetlib is), keeps the data it receives apart
/// from the Telnet commands, and drops IAC GA.
struct Raw {
    stream: TcpStream,
    raw: Vec<u8>,
    parsed: usize,
    data: Vec<u8>,
    commands: Vec<Vec<u8>>,
}

impl Raw {
    fn connect(port: u16) -> Raw {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(BOUND)).unwrap();
        let mut raw = Raw {
            stream,
            raw: Vec::new(),
            parsed: 0,
            data: Vec::new(),
            commands: Vec::new(),
        };
        raw.wait_command(&[255, 253, 24]);
        raw.send(&[255, 252, 24]);
        raw
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Reads once, and sorts what is complete into data and commands.
    fn fill(&mut self) {
        let mut buf = [0u8; 65536];
        let n = self.stream.read(&mut buf).expect("read from the server");
        assert!(n > 0, "the server closed the connection");
        self.raw.extend_from_slice(&buf[..n]);
        while self.parsed < self.raw.len() {
            let rest = &self.raw[self.parsed..];
            if rest[0] != 255 {
                self.data.push(rest[0]);
                self.parsed += 1;
                continue;
            }
            let len = match rest.get(1) {
                None => break,
                Some(&255) => {
                    self.data.push(255);
                    2
                }
                Some(251..=254) if rest.len() >= 3 => 3,
                Some(251..=254) => break,
                Some(&250) => match rest.windows(2).position(|w| w == [255, 240]) {
                    Some(at) => at + 2,
                    None => break,
                },
                Some(_) => 2,
            };
            if rest[1] != 255 && rest[1] != 249 {
                self.commands.push(rest[..len].to_vec());
            }
            self.parsed += len;
        }
    }

    /// Reads until the data contains `needle`; returns the data up to and including it, and
    /// keeps the rest.
    fn read_until(&mut self, needle: &[u8]) -> Vec<u8> {
        loop {
            if let Some(at) = self.data.windows(needle.len()).position(|w| w == needle) {
                let rest = self.data.split_off(at + needle.len());
                return std::mem::replace(&mut self.data, rest);
            }
            self.fill();
        }
    }

    /// Reads until the server has sent `command` (a whole IAC sequence).
    fn wait_command(&mut self, command: &[u8]) {
        while !self.commands.iter().any(|c| c == command) {
            self.fill();
        }
    }
}

// ----- callbacks -----

#[test]
fn a_server_moves_to_the_game_thread_and_clients_go_anywhere() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send::<GameServer<std::rc::Rc<()>>>();
    send_sync::<GameClient>();
    send_sync::<ironboa::server::game::Line>();
}

#[derive(Default)]
struct Calls {
    connects: HashMap<ConnectionId, usize>,
    disconnects: HashMap<ConnectionId, usize>,
    /// The handles on_connect got, as a game keeps them.
    held: HashSet<GameClient>,
    problems: Vec<String>,
}

#[test]
fn connect_and_disconnect_callbacks_run_once_each_with_the_same_handle() {
    if peers::python().is_none() {
        return;
    }
    let mut server: GameServer<Calls> = bind(ServerConfig::default());
    server.on_connect(|calls, client| {
        *calls.connects.entry(client.id()).or_default() += 1;
        if !client.active() {
            calls
                .problems
                .push(format!("{:?} inactive in on_connect", client.id()));
        }
        calls.held.insert(client.clone());
        client.send("ready\n");
    });
    server.on_disconnect(|calls, client| {
        *calls.disconnects.entry(client.id()).or_default() += 1;
        if calls.connects.get(&client.id()) != Some(&1) {
            calls.problems.push(format!(
                "{:?}: on_disconnect without on_connect",
                client.id()
            ));
        }
        if client.active() {
            calls
                .problems
                .push(format!("{:?} active in on_disconnect", client.id()));
        }
        // The handle the game kept since on_connect is this one: it finds and removes it.
        if !calls.held.remove(client) {
            calls
                .problems
                .push(format!("{:?}: not the handle on_connect got", client.id()));
        }
    });
    let port = server.port();
    let mut clients = Vec::new();
    // Two leave on their own, two are deactivated by the game, two talk and then leave.
    for _ in 0..2 {
        clients.push(drive(port, steps(&["until:ready", "close"])));
        clients.push(drive(
            port,
            steps(&["until:ready", "write:quit\\r\\n", "eof"]),
        ));
        clients.push(drive(
            port,
            steps(&[
                "until:ready",
                "write:hello\\r\\n",
                "until:hello back",
                "close",
            ]),
        ));
    }
    let mut calls = Calls::default();
    let deadline = Instant::now() + BOUND;
    while !(all_finished(&clients) && calls.disconnects.len() == 6) {
        assert!(Instant::now() < deadline, "clients never finished");
        server.poll(&mut calls, TICK);
        for client in server.client_list() {
            while let Some(command) = client.get_command() {
                match command.as_str() {
                    "quit" => {
                        client.send("bye\n");
                        client.deactivate();
                    }
                    "hello" => client.send("hello back\n"),
                    other => panic!("unexpected line {other:?}"),
                }
            }
        }
    }
    // Every client's thread has ended (each saw the server close), so whatever its reader
    // thread said last is in the channel: one more poll takes it.
    server.poll(&mut calls, Some(Duration::ZERO));

    for client in clients {
        let results = client.join().unwrap();
        if let Some((verb, text)) = results.last().filter(|(verb, _)| verb == "eof") {
            assert!(text.contains("bye"), "{verb}: {text:?}");
        }
    }
    assert_eq!(calls.connects.len(), 6, "{:?}", calls.connects);
    assert!(
        calls.connects.values().all(|&n| n == 1),
        "{:?}",
        calls.connects
    );
    assert!(
        calls.disconnects.values().all(|&n| n == 1),
        "{:?}",
        calls.disconnects
    );
    assert_eq!(
        calls.connects.keys().collect::<HashSet<_>>(),
        calls.disconnects.keys().collect::<HashSet<_>>()
    );
    assert!(calls.problems.is_empty(), "{:?}", calls.problems);
    assert!(calls.held.is_empty());
    assert_eq!(server.connection_count(), 0);
}

// ----- lines -----

#[test]
fn lines_from_ten_clients_all_arrive_each_clients_in_order() {
    if peers::python().is_none() {
        return;
    }
    const LINES: usize = 30;
    let mut server: GameServer<()> = bind(ServerConfig::default());
    server.on_connect(|_, client| client.send("ready\n"));
    let port = server.port();
    let clients: Vec<_> = (0..10)
        .map(|k| {
            let lines: Vec<String> = (1..=LINES)
                .map(|i| format!("c{k} line {i}\\r\\n"))
                .collect();
            // Three writes of ten lines: lines that share a packet and lines that do not.
            let mut list = vec!["until:ready".to_owned()];
            for chunk in lines.chunks(10) {
                list.push(format!("write:{}", chunk.concat()));
            }
            list.push(format!("until:got {LINES}"));
            list.push("close".to_owned());
            drive(port, list)
        })
        .collect();
    let mut received: HashMap<ConnectionId, Vec<String>> = HashMap::new();
    let deadline = Instant::now() + BOUND;
    while !all_finished(&clients) {
        assert!(Instant::now() < deadline, "clients never finished");
        server.poll(&mut (), TICK);
        for client in server.client_list() {
            let lines = received.entry(client.id()).or_default();
            while let Some(line) = client.get_line() {
                assert!(line.polls_waited <= 1, "{line:?}");
                lines.push(line.text);
                if lines.len() == LINES {
                    client.send(&format!("got {LINES}\n"));
                }
            }
        }
    }
    for client in clients {
        let results = client.join().unwrap();
        assert!(
            results.last().unwrap().1.ends_with(&format!("got {LINES}")),
            "{results:?}"
        );
    }
    assert_eq!(received.len(), 10);
    let mut tags = HashSet::new();
    for lines in received.values() {
        let tag = lines[0].split(' ').next().unwrap().to_owned();
        let expected: Vec<String> = (1..=LINES).map(|i| format!("{tag} line {i}")).collect();
        assert_eq!(
            lines, &expected,
            "one client's lines, in the order it sent them"
        );
        tags.insert(tag);
    }
    assert_eq!(
        tags.len(),
        10,
        "every client's lines reached its own handle"
    );
}

#[test]
fn take_commands_hands_out_lines_in_the_order_they_arrived_across_clients() {
    let mut server: GameServer<()> = bind(ServerConfig::default());
    let port = server.port();
    let mut a = Raw::connect(port);
    let mut b = Raw::connect(port);
    poll_until(&mut server, &mut (), "two clients", |s, _| {
        s.connection_count() == 2
    });
    let ids: Vec<ConnectionId> = server.client_list().map(GameClient::id).collect();
    let (a_id, b_id) = (ids[0], ids[1]);
    // Each line is sent only once the one before it is waiting, so the order is known.
    let order = [("a", 1), ("b", 1), ("b", 2), ("a", 2), ("b", 3)];
    let mut sent = HashMap::new();
    for (who, n) in order {
        let (raw, id) = if who == "a" {
            (&mut a, a_id)
        } else {
            (&mut b, b_id)
        };
        raw.send(format!("{who}{n}\r\n").as_bytes());
        *sent.entry(id).or_insert(0) += 1;
        let want = sent[&id];
        poll_until(&mut server, &mut (), "the line", |s, _| {
            s.client(id).unwrap().command_count() == want
        });
    }
    let taken: Vec<(ConnectionId, String)> = server
        .take_commands()
        .into_iter()
        .map(|(client, line)| (client.id(), line.text))
        .collect();
    assert_eq!(
        taken,
        [
            (a_id, "a1".to_owned()),
            (b_id, "b1".to_owned()),
            (b_id, "b2".to_owned()),
            (a_id, "a2".to_owned()),
            (b_id, "b3".to_owned()),
        ]
    );
    assert!(server.client_list().all(|c| !c.cmd_ready()), "all taken");
}

// ----- floods and clients that do not read -----

#[derive(Default)]
struct Flood {
    flooder: Option<GameClient>,
}

#[test]
fn a_flooding_client_that_never_reads_delays_no_one_by_more_than_a_poll() {
    if peers::python().is_none() {
        return;
    }
    // The flooder's output is never dropped for piling up (64 MiB allowed), and any write
    // that waited for it would wait an hour: only a game thread that never waits passes.
    let config = ServerConfig::default()
        .max_queued_output(64 << 20)
        .write_timeout(Duration::from_secs(3600));
    let mut server: GameServer<Flood> = bind(config);
    server.on_connect(|flood, client| {
        if flood.flooder.is_none() {
            // Small socket buffers on both sides, so that its output piles up on our side.
            let socket = client.connection().socket().unwrap();
            socket.set_send_buffer_size(4096).unwrap();
            flood.flooder = Some(client.clone());
        } else {
            client.send("ready\n");
        }
    });
    let port = server.port();
    let mut game = Flood::default();
    let _flooder_process = bad_client(port, "flood").unwrap();
    poll_until(&mut server, &mut game, "the flooder", |_, g| {
        g.flooder.is_some()
    });
    let flooder = game.flooder.clone().unwrap();

    // Phase 1: the flooder's lines pour in, and what it is sent piles up on our side (its
    // socket is full), one 16 KiB blob per poll until 256 KiB wait.
    let blob = "y".repeat(16 * 1024 - 1) + "\n";
    let mut sent_to_flooder: u64 = 0;
    let mut flood_lines = 0usize;
    let mut most_in_a_poll = 0usize;
    let deadline = Instant::now() + BOUND;
    loop {
        assert!(
            Instant::now() < deadline,
            "the flooder's output never piled up"
        );
        server.poll(&mut game, TICK);
        let mut this_poll = 0;
        while flooder.get_command().is_some() {
            this_poll += 1;
        }
        flood_lines += this_poll;
        most_in_a_poll = most_in_a_poll.max(this_poll);
        if sent_to_flooder.saturating_sub(flooder.bytes_sent()) >= 256 * 1024 {
            break;
        }
        flooder.send(&blob);
        sent_to_flooder += blob.len() as u64 + 1; // \n goes out as CR LF
    }

    // Phase 2: three clients make 20 round trips each while the flood goes on and the
    // flooder is still sent a line every poll.
    let normal: Vec<_> = (0..3)
        .map(|k| {
            let mut list = vec!["until:ready".to_owned()];
            for i in 1..=20 {
                list.push(format!("write:ping {k} {i}\\r\\n"));
                list.push(format!("until:pong {k} {i}\\r\\n"));
            }
            drive(port, list)
        })
        .collect();
    let flood_before = flood_lines;
    let mut pings: HashMap<String, Vec<u32>> = HashMap::new();
    let mut polls_with_both = 0;
    let mut worst_wait = 0;
    let deadline = Instant::now() + BOUND;
    while !all_finished(&normal) {
        assert!(Instant::now() < deadline, "round trips never finished");
        server.poll(&mut game, TICK);
        let mut this_poll = 0;
        while flooder.get_command().is_some() {
            this_poll += 1;
        }
        flood_lines += this_poll;
        most_in_a_poll = most_in_a_poll.max(this_poll);
        flooder.send("ok\n");
        sent_to_flooder += 4;
        let mut normal_lines = 0;
        for client in server.client_list() {
            if client == &flooder {
                continue;
            }
            while let Some(line) = client.get_line() {
                normal_lines += 1;
                worst_wait = worst_wait.max(line.polls_waited);
                let mut words = line.text.split(' ');
                assert_eq!(words.next(), Some("ping"), "{line:?}");
                let k = words.next().unwrap().to_owned();
                let i: u32 = words.next().unwrap().parse().unwrap();
                client.send(&format!("pong {k} {i}\n"));
                pings.entry(k).or_default().push(i);
            }
        }
        if normal_lines > 0 && this_poll > 0 {
            polls_with_both += 1;
        }
    }
    for (k, client) in normal.into_iter().enumerate() {
        // "ready", then one result per round trip (writes print nothing).
        let results = client.join().unwrap();
        assert_eq!(results.len(), 21, "{results:?}");
        for (i, (_, text)) in results.iter().enumerate().skip(1) {
            assert!(text.ends_with(&format!("pong {k} {i}\r\n")), "{text:?}");
        }
    }

    // Every line of every other client arrived, in order, at most one poll after it did.
    assert_eq!(pings.len(), 3);
    for list in pings.values() {
        assert_eq!(list, &(1..=20).collect::<Vec<u32>>());
    }
    assert!(worst_wait <= 1, "a line waited {worst_wait} polls");
    // And the flood was real: it went on throughout, it competed with them for the same
    // polls, no poll took more of it than the cap, and the flooder's output was still
    // piled up at the end (it never read).
    let during = flood_lines - flood_before;
    assert!(
        during > 60,
        "only {during} flood lines during the round trips"
    );
    assert!(polls_with_both > 0);
    assert!(
        most_in_a_poll <= server.max_pending_lines(),
        "{most_in_a_poll} in one poll"
    );
    assert!(flooder.active(), "the flooder was dropped");
    assert!(
        sent_to_flooder > flooder.bytes_sent() + 128 * 1024,
        "the flooder's socket drained: {sent_to_flooder} sent, {} written",
        flooder.bytes_sent()
    );
    assert!(server.shutdown(), "every connection thread ended");
}

#[test]
fn a_client_that_never_reads_is_dropped_not_waited_for() {
    if peers::python().is_none() {
        return;
    }
    let config = ServerConfig::default()
        .max_queued_output(64 * 1024)
        .write_timeout(Duration::from_secs(3600));
    let mut server: GameServer<Vec<GameClient>> = bind(config);
    server.on_connect(|_, client| client.send("ready\n"));
    server.on_disconnect(|gone, client| gone.push(client.clone()));
    let port = server.port();
    let _idle = bad_client(port, "idle").unwrap();
    let mut gone = Vec::new();
    poll_until(&mut server, &mut gone, "the idle client", |s, _| {
        s.connection_count() == 1
    });
    let sleeper = server.client_list().next().unwrap().clone();
    // Someone else chats meanwhile.
    let mut list = vec!["until:ready".to_owned()];
    for i in 1..=5 {
        list.push(format!("write:ping {i}\\r\\n"));
        list.push(format!("until:pong {i}\\r\\n"));
    }
    let talker = drive(port, list);
    let blob = "z".repeat(64 * 1024 - 1) + "\n";
    let mut sent: u64 = 0;
    let deadline = Instant::now() + BOUND;
    while !gone.contains(&sleeper) || !talker.is_finished() {
        assert!(Instant::now() < deadline, "never dropped");
        server.poll(&mut gone, Some(Duration::ZERO));
        if sleeper.active() {
            sleeper.send(&blob);
            sent += blob.len() as u64 + 1;
        }
        for client in server.client_list() {
            while let Some(line) = client.get_command() {
                client.send(&format!("{}\n", line.replace("ping", "pong")));
            }
        }
    }
    let results = talker.join().unwrap();
    assert!(results.last().unwrap().1.contains("pong 5"), "{results:?}");
    assert!(!sleeper.active());
    assert!(
        sent > sleeper.bytes_sent(),
        "it was sent more than its socket took"
    );
    // The talker left too; one more poll takes whatever is still on its way.
    poll_until(&mut server, &mut gone, "the talker's end", |_, g| {
        g.len() == 2
    });
    server.poll(&mut gone, Some(Duration::ZERO));
    assert_eq!(gone.iter().filter(|c| **c == sleeper).count(), 1, "once");
    assert_eq!(gone.len(), 2, "{gone:?}");
}

// ----- deactivation and clients that vanish -----

#[derive(Default)]
struct Drops {
    /// The number of the poll now running (set by the loop before each poll).
    poll: u64,
    order: Vec<ConnectionId>,
    deactivated_after: HashMap<ConnectionId, u64>,
    dropped_in: HashMap<ConnectionId, Vec<u64>>,
}

#[test]
fn deactivating_and_vanishing_both_end_in_on_disconnect() {
    if peers::python().is_none() {
        return;
    }
    let mut server: GameServer<Drops> = bind(ServerConfig::default());
    server.on_connect(|drops, client| {
        drops.order.push(client.id());
        client.send("ready\n");
    });
    server.on_disconnect(|drops, client| {
        drops
            .dropped_in
            .entry(client.id())
            .or_default()
            .push(drops.poll);
    });
    let port = server.port();
    let mut drops = Drops::default();
    // One at a time, so that connection order says who is who.
    let quitter = drive(port, steps(&["until:ready", "write:quit\\r\\n", "eof"]));
    poll_until(&mut server, &mut drops, "the quitter", |_, d| {
        d.order.len() == 1
    });
    let closer = drive(port, steps(&["until:ready", "close"]));
    poll_until(&mut server, &mut drops, "the closer", |_, d| {
        d.order.len() == 2
    });
    let _resetter = bad_client(port, "reset").unwrap();
    poll_until(&mut server, &mut drops, "the resetter", |_, d| {
        d.order.len() == 3
    });

    let deadline = Instant::now() + BOUND;
    while drops.dropped_in.len() < 3 || !quitter.is_finished() || !closer.is_finished() {
        assert!(Instant::now() < deadline, "not every client ended");
        drops.poll = server.polls() + 1;
        server.poll(&mut drops, TICK);
        for client in server.client_list() {
            while let Some(command) = client.get_command() {
                assert_eq!(command, "quit");
                client.send("bye\n");
                client.deactivate();
                assert!(!client.active(), "inactive at once");
                drops.deactivated_after.insert(client.id(), server.polls());
            }
        }
    }
    server.poll(&mut drops, Some(Duration::ZERO));

    let quitter_id = drops.order[0];
    assert_eq!(
        drops.dropped_in[&quitter_id],
        [drops.deactivated_after[&quitter_id] + 1],
        "dropped at the next poll, once"
    );
    for id in &drops.order[1..] {
        assert_eq!(
            drops.dropped_in[id].len(),
            1,
            "a client that vanished: once"
        );
        assert!(!drops.deactivated_after.contains_key(id));
    }
    let quitter = quitter.join().unwrap();
    assert_eq!(quitter[1].0, "eof");
    assert!(
        quitter[1].1.contains("bye"),
        "what was sent before deactivate() arrived: {quitter:?}"
    );
    closer.join().unwrap();
    assert_eq!(server.connection_count(), 0);
}

// ----- miniboa's client defaults, negotiation, colours and wrapping -----

#[derive(Default)]
struct Seen {
    client: Option<GameClient>,
    at_connect: Option<(String, u16, u16)>,
}

#[test]
fn defaults_are_miniboas_and_requested_answers_show_after_a_later_poll() {
    let mut server: GameServer<Seen> = bind(ServerConfig::default());
    server.on_connect(|seen, client| {
        seen.at_connect = Some((client.terminal_type(), client.columns(), client.rows()));
        client.request_naws();
        client.request_terminal_type();
        seen.client = Some(client.clone());
    });
    let mut seen = Seen::default();
    let mut raw = Raw::connect(server.port());
    poll_until(&mut server, &mut seen, "the client", |_, s| {
        s.client.is_some()
    });
    assert_eq!(seen.at_connect, Some(("ANSI".to_owned(), 80, 24)));
    let client = seen.client.clone().unwrap();

    // The requests arrive; the client agrees and answers: 120x50, "VT100".
    raw.wait_command(&[255, 253, 31]);
    raw.wait_command(&[255, 253, 24]);
    assert!(client.columns() == 80 && client.terminal_type() == "ANSI");
    raw.send(&[
        255, 251, 31, 255, 250, 31, 0, 120, 0, 50, 255, 240, 255, 251, 24,
    ]);
    raw.wait_command(&[255, 250, 24, 1, 255, 240]);
    raw.send(b"\xff\xfa\x18\x00VT100\xff\xf0");
    // The connection has them now (its reader thread read them); the game sees them only
    // after its next poll.
    let conn = client.connection().clone();
    assert!(support::eventually(30, || {
        conn.columns() == 120 && conn.get_extra_info("TERM").as_deref() == Some("VT100")
    }));
    assert_eq!(
        (client.terminal_type(), client.columns(), client.rows()),
        ("ANSI".to_owned(), 80, 24),
        "unchanged until the next poll"
    );
    server.poll(&mut seen, Some(Duration::ZERO));
    assert_eq!(
        (client.terminal_type(), client.columns(), client.rows()),
        ("VT100".to_owned(), 120, 50)
    );
}

/// What miniboa's own `TelnetClient` queues (its `send_buffer`, as UTF-8) after `calls`, a
/// Python statement on `client`, with the client's width set to `columns`.
fn miniboa_output(columns: u16, calls: &str) -> Option<Vec<u8>> {
    let python = peers::python()?;
    let script = format!(
        "import socket, sys\n\
         from miniboa.telnet import TelnetClient\n\
         a, b = socket.socketpair()\n\
         client = TelnetClient(a, ('127.0.0.1', 1), 'utf-8')\n\
         client.columns = {columns}\n\
         {calls}\n\
         sys.stdout.write(client.send_buffer.encode('utf-8').hex())\n"
    );
    let output = Command::new(python).arg("-c").arg(script).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let hex = String::from_utf8(output.stdout).unwrap();
    Some(
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect(),
    )
}

const WRAPPED: &str = "^RThe quick^~ brown fox jumps over the lazy dog, and then it jumps \
    over the ^glazy^~ dog again because the dog is still lazy.\n\nA second paragraph, \
    with ^^carets^^ in it.";

#[test]
fn send_cc_and_send_wrapped_render_exactly_as_miniboas() {
    let Some(expected) = miniboa_output(
        80,
        &format!(
            "client.send_wrapped({WRAPPED:?})\n\
             client.send_cc('^Ybright^~ ^zodd^\\n')\n\
             client.use_ansi = False\n\
             client.send_cc('^Ybright^~ ^zodd^\\n')\n\
             client.send_wrapped({WRAPPED:?})\n\
             client.send('END\\n')"
        ),
    ) else {
        return;
    };
    let mut server: GameServer<()> = bind(ServerConfig::default());
    server.on_connect(|_, client| {
        client.send_wrapped(WRAPPED);
        client.send_cc("^Ybright^~ ^zodd^\n");
        client.set_use_ansi(false);
        client.send_cc("^Ybright^~ ^zodd^\n");
        client.send_wrapped(WRAPPED);
        client.send("END\n");
    });
    let mut raw = Raw::connect(server.port());
    poll_until(&mut server, &mut (), "the client", |s, _| {
        s.connection_count() == 1
    });
    let got = raw.read_until(b"END\r\n");
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&expected)
    );
    assert!(got.contains(&0x1b), "colours were sent");
}

// ----- miniboa's chat demo against the port -----

/// A built example's path (cargo test builds the examples).
fn example(name: &str) -> PathBuf {
    let mut path = std::env::current_exe().unwrap();
    path.pop();
    path.pop();
    path.push("examples");
    path.push(name);
    assert!(path.exists(), "{} not built", path.display());
    path
}

/// Starts `command`, reads its output (stdout or stderr) until a line containing `marker`,
/// and keeps reading the rest on a thread so that the server never blocks on it.
fn start_server(mut command: Command, stderr: bool, marker: &str) -> (Child, String) {
    command.stdin(Stdio::null());
    if stderr {
        command.stderr(Stdio::piped()).stdout(Stdio::null());
    } else {
        command.stdout(Stdio::piped()).stderr(Stdio::null());
    }
    let mut child = command.spawn().expect("start the server");
    let pipe: Box<dyn Read + Send> = if stderr {
        Box::new(child.stderr.take().unwrap())
    } else {
        Box::new(child.stdout.take().unwrap())
    };
    let child = Child(child);
    let mut lines = BufReader::new(pipe);
    let mut line = String::new();
    loop {
        line.clear();
        assert!(lines.read_line(&mut line).unwrap() > 0, "the server exited");
        if line.contains(marker) {
            break;
        }
    }
    let found = line.trim().to_owned();
    thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    (child, found)
}

/// Runs tests/peers/game_demo_clients.py's `script` (chat, hello, handler) against `port`:
/// what each client received.
fn transcripts(port: u16, script: &str) -> HashMap<String, String> {
    let python = peers::python().unwrap();
    let clients = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/peers/game_demo_clients.py"
    );
    let output = Command::new(python)
        .arg(clients)
        .args(["127.0.0.1", &port.to_string(), script])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the scripted clients failed against port {port}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (name, hex) = line.split_once('\t').unwrap();
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            (name.to_owned(), String::from_utf8(bytes).unwrap())
        })
        .collect()
}

/// Runs `script` against miniboa's demo (`miniboa` runs it, the Python file's arguments
/// given) and against the example `port`: what each client received from each.
fn compare_demo(
    miniboa: &[&str],
    marker: &str,
    port_example: &str,
    script: &str,
) -> (HashMap<String, String>, HashMap<String, String>) {
    let python = peers::python().unwrap();
    let port = peers::free_port();
    let mut command = Command::new(python);
    command
        .arg(format!(
            "{}/tests/peers/{}",
            env!("CARGO_MANIFEST_DIR"),
            miniboa[0]
        ))
        .args(&miniboa[1..])
        .arg(port.to_string());
    let (theirs_process, _) = start_server(command, true, marker);
    let theirs = transcripts(port, script);
    drop(theirs_process);

    let mut command = Command::new(example(port_example));
    command.arg("127.0.0.1:0");
    let (ours_process, listening) = start_server(command, false, "listening on");
    let addr = listening.strip_prefix("listening on ").unwrap();
    let port: u16 = addr.rsplit_once(':').unwrap().1.parse().unwrap();
    let ours = transcripts(port, script);
    drop(ours_process);
    (theirs, ours)
}

#[test]
fn the_hello_and_handler_ports_send_what_miniboas_demos_send() {
    if peers::python().is_none() {
        return;
    }
    let (theirs, ours) = compare_demo(
        &["miniboa_demos.py", "hello"],
        "Starting server",
        "game_loop_hello",
        "hello",
    );
    assert_eq!(theirs.len(), 2);
    assert_eq!(ours, theirs);
    let (theirs, ours) = compare_demo(
        &["miniboa_demos.py", "handler"],
        "Starting server",
        "game_loop_handler",
        "handler",
    );
    assert!(
        theirs["B"].contains("Also connected are:\r\n<A>\r\n"),
        "{theirs:?}"
    );
    assert_eq!(ours, theirs);
}

#[test]
fn the_chat_port_and_miniboas_chat_demo_send_each_client_the_same() {
    if peers::python().is_none() {
        return;
    }
    let (theirs, ours) = compare_demo(
        &["miniboa_chat_demo.py"],
        "Listening for connections",
        "game_loop_chat",
        "chat",
    );
    assert_eq!(theirs.len(), 3);
    assert!(theirs["A"].contains("<B> says 'BYE'\r\n<B> leaves the conversation.\r\n"));
    // A (who vanished) got exactly what it got from miniboa.
    assert_eq!(ours["A"], theirs["A"]);
    // B and C got miniboa's bytes, and one line more each: miniboa drops a client's queued
    // output when it drops the client ("You say 'BYE'" is queued, then `active = False`),
    // and stops without sending what is queued ("shutdown"); ironboa delivers both.
    assert_eq!(ours["B"], theirs["B"].clone() + "You say 'BYE'\r\n");
    assert_eq!(ours["C"], theirs["C"].clone() + "You say 'shutdown'\r\n");
}
