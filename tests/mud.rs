//! The MUD calls between ironboa's own server and client: prompts ended with EOR, GA or
//! nothing, MSDP commands and replies both ways, MSSP, GMCP with the client's hello.
#![cfg(feature = "mud")]

use std::sync::mpsc;
use std::time::Duration;

use ironboa::mud::{MsdpServer, MsspSource};
use ironboa::options::{Msdp, MsdpValue, Mssp, Subnegotiation};
use ironboa::proto::Policy;
use ironboa::{
    BlockingTelnetServer, ClientConfig, Command, Event, ServerConfig, ServerConnection,
    TelnetConnection, TelnetOption,
};

const T: Option<Duration> = Some(Duration::from_secs(20));

/// A server running `handler` for every connection, and its port.
fn serve(
    config: ServerConfig,
    handler: impl Fn(ServerConnection) + Send + Sync + 'static,
) -> (BlockingTelnetServer, u16) {
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server.serve_in_background(handler).unwrap();
    let port = server.local_addr().port();
    (server, port)
}

/// The next event that `pick` accepts, skipping others.
fn next<T>(conn: &TelnetConnection, mut pick: impl FnMut(Event) -> Option<T>) -> T {
    loop {
        let event = conn.next_event(T).expect("event");
        if let Some(found) = pick(event) {
            return found;
        }
    }
}

/// A prompt ends with IAC EOR for a client that agreed to EOR, IAC GA for one that did not,
/// and with nothing once go-ahead is suppressed.
#[test]
fn prompts_end_with_eor_or_ga() {
    let (tx, rx) = mpsc::channel::<Option<Command>>();
    let tx = std::sync::Mutex::new(tx);
    let config = ServerConfig::default().offer_local(&[TelnetOption::EOR]);
    let (server, port) = serve(config, move |conn| {
        let mark = conn.send_prompt("hp> ").unwrap();
        tx.lock().unwrap().send(mark).unwrap();
        let _ = conn.readline(T);
    });
    let cases: [(Policy, Option<Command>); 3] = [
        (Policy::client(), Some(Command::EndOfRecord)),
        (
            {
                let mut policy = Policy::client();
                policy.remote.remove(TelnetOption::EOR);
                policy
            },
            Some(Command::GoAhead),
        ),
        (Policy::client(), None),
    ];
    for (i, (policy, expected)) in cases.into_iter().enumerate() {
        let mut config = ClientConfig::default().policy(policy);
        if expected.is_none() {
            // The third client refuses EOR and asks the server to suppress go-ahead.
            let mut policy = Policy::client();
            policy.remote.remove(TelnetOption::EOR);
            config = config.policy(policy).offer_remote(&[TelnetOption::SGA]);
        }
        let client = TelnetConnection::connect(("127.0.0.1", port), config).unwrap();
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(20)).unwrap(),
            expected,
            "case {i}"
        );
        assert_eq!(client.read_until("hp> ", T).unwrap(), "hp> ");
        if let Some(command) = expected {
            let got = next(&client, |e| match e {
                Event::Command(c) if c == Command::EndOfRecord || c == Command::GoAhead => Some(c),
                _ => None,
            });
            assert_eq!(got, command, "case {i}");
        } else {
            assert!(client.remote_enabled(TelnetOption::SGA));
        }
        client.send("bye\n").unwrap();
    }
    server.shutdown();
}

/// The client asks with MSDP's commands; the server answers LIST, REPORT and SEND from an
/// [`MsdpServer`], and reports a nested value (an IAC byte in it) when it changes.
#[test]
fn msdp_commands_and_reports_both_ways() {
    let config = ServerConfig::default().offer_local(&[TelnetOption::MSDP]);
    let health = MsdpValue::String(b"9\xff9".to_vec());
    let room = MsdpValue::Table(vec![
        ("NAME".into(), "Hall".into()),
        (
            "EXITS".into(),
            MsdpValue::Array(vec!["n".into(), "e".into()]),
        ),
    ]);
    let (h, r) = (health.clone(), room.clone());
    let (server, port) = serve(config, move |conn| {
        let mut msdp = MsdpServer::new(&["HEALTH", "ROOM"]);
        let value_of = |name: &str| match name {
            "HEALTH" => Some(h.clone()),
            "ROOM" => Some(r.clone()),
            _ => None,
        };
        while let Ok(event) = conn.next_event(T) {
            if let Event::Subnegotiation(Subnegotiation::Msdp(message)) = event {
                let reply = msdp.handle(&message, value_of);
                if !reply.vars.is_empty() {
                    conn.send_msdp(&reply).unwrap();
                }
                if message.get("REPORT").is_some() && msdp.is_reported("ROOM") {
                    // A change of a reported variable goes out by itself.
                    conn.send_msdp(&Msdp::new().with("ROOM", "moved")).unwrap();
                }
            }
        }
    });
    let mut policy = Policy::client();
    policy.remote.insert(TelnetOption::MSDP);
    let client =
        TelnetConnection::connect(("127.0.0.1", port), ClientConfig::default().policy(policy))
            .unwrap();
    assert!(client.msdp_enabled());
    let msdp = |client: &TelnetConnection| {
        next(client, |e| match e {
            Event::Subnegotiation(Subnegotiation::Msdp(m)) => Some(m),
            _ => None,
        })
    };
    assert!(
        client
            .send_msdp(&Msdp::command("LIST", &["COMMANDS"]))
            .unwrap()
    );
    let list = msdp(&client);
    assert_eq!(
        list.get("COMMANDS"),
        Some(&MsdpValue::Array(
            ["LIST", "REPORT", "RESET", "SEND", "UNREPORT"]
                .map(MsdpValue::from)
                .to_vec()
        ))
    );
    client
        .send_msdp(&Msdp::command("SEND", &["HEALTH"]))
        .unwrap();
    assert_eq!(msdp(&client), Msdp::new().with("HEALTH", health.clone()));
    client
        .send_msdp(&Msdp::command("REPORT", &["ROOM", "NOSUCH"]))
        .unwrap();
    assert_eq!(msdp(&client), Msdp::new().with("ROOM", room));
    assert_eq!(msdp(&client), Msdp::new().with("ROOM", "moved"));
    client
        .send_msdp(&Msdp::command("LIST", &["REPORTED_VARIABLES"]))
        .unwrap();
    assert_eq!(
        msdp(&client).get("REPORTED_VARIABLES"),
        Some(&MsdpValue::Array(vec!["ROOM".into()]))
    );
    client
        .send_msdp(&Msdp::command("UNREPORT", &["ROOM"]))
        .unwrap();
    client
        .send_msdp(&Msdp::command("LIST", &["REPORTED_VARIABLES"]))
        .unwrap();
    assert_eq!(
        msdp(&client).get("REPORTED_VARIABLES"),
        Some(&MsdpValue::Array(vec![]))
    );
    client.close();
    server.shutdown();
}

/// A server with an MSSP source answers the client's DO MSSP with the status of that moment,
/// several values per name included.
#[test]
fn mssp_is_answered_when_asked() {
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    let source = MsspSource::new(move || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        Mssp::new()
            .with("NAME", "Test")
            .with("PLAYERS", &n.to_string())
            .with_values("PORT", &["4000", "4001"])
    });
    let (server, port) = serve(ServerConfig::default().mssp(source), |conn| {
        let _ = conn.readline(T);
    });
    // A crawler that asks first (DO MSSP) without negotiating anything else.
    let client = TelnetConnection::connect(("127.0.0.1", port), ClientConfig::default()).unwrap();
    let status = client.request_mssp(T).unwrap().expect("MSSP status");
    assert_eq!(status.get("NAME"), Some("Test"));
    assert_eq!(status.get("PLAYERS"), Some("1"));
    assert_eq!(status.values("PORT"), ["4000", "4001"]);
    client.close();
    // A server without one refuses.
    let (plain, port) = serve(ServerConfig::default(), |conn| {
        let _ = conn.readline(T);
    });
    let client = TelnetConnection::connect(("127.0.0.1", port), ClientConfig::default()).unwrap();
    assert_eq!(client.request_mssp(T).unwrap(), None);
    server.shutdown();
    plain.shutdown();
}

/// ironboa's client says Core.Hello and Core.Supports.Set; GMCP goes both ways; a message
/// for an option that is off is not sent.
#[test]
fn gmcp_hello_and_messages_both_ways() {
    let (tx, rx) = mpsc::channel::<Vec<(String, serde_json::Value)>>();
    let tx = std::sync::Mutex::new(tx);
    let config = ServerConfig::default().offer_local(&[TelnetOption::GMCP]);
    let (server, port) = serve(config, move |conn| {
        let mut seen = Vec::new();
        while seen.len() < 3 {
            match conn.next_event(T) {
                Ok(Event::Subnegotiation(Subnegotiation::Gmcp(m))) => {
                    seen.push((m.package.clone(), m.json().unwrap().unwrap_or_default()))
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        tx.lock().unwrap().send(seen).unwrap();
        conn.send_gmcp("Room.Info", &serde_json::json!({"num": 1, "name": "Hall"}))
            .unwrap();
        let _ = conn.readline(T);
    });
    let client = TelnetConnection::connect(
        ("127.0.0.1", port),
        ClientConfig::default().gmcp_modules(&["Char 1", "Room 1"]),
    )
    .unwrap();
    assert!(client.gmcp_enabled());
    client
        .send_gmcp("Char.Login", &serde_json::json!({"name": "zed"}))
        .unwrap();
    let seen = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(seen[0].0, "Core.Hello");
    assert_eq!(seen[0].1["client"], "ironboa");
    assert_eq!(
        seen[1],
        (
            "Core.Supports.Set".into(),
            serde_json::json!(["char 1", "room 1"])
        )
    );
    assert_eq!(
        seen[2],
        ("Char.Login".into(), serde_json::json!({"name": "zed"}))
    );
    let room = next(&client, |e| match e {
        Event::Subnegotiation(Subnegotiation::Gmcp(m)) => Some(m),
        _ => None,
    });
    assert_eq!(room.package, "Room.Info");
    assert_eq!(room.json().unwrap().unwrap()["name"], "Hall");
    // MSDP was never agreed: nothing is sent.
    assert!(!client.send_msdp(&Msdp::new().with("A", "b")).unwrap());
    client.close();
    server.shutdown();
}

/// A prompt is encoded as `write` encodes text: in the encoding set during the session (not
/// the configured one), and with its error handling (strict refuses what it cannot encode).
#[test]
fn prompts_use_the_sessions_encoding() {
    let (tx, rx) = mpsc::channel::<Result<(), String>>();
    let tx = std::sync::Mutex::new(tx);
    let (server, port) = serve(ServerConfig::default(), move |conn| {
        conn.set_encoding(ironboa::Encoding::from_name("cp437").unwrap());
        conn.write("[write \u{e9}]").unwrap();
        conn.send_prompt("[prompt \u{e9}]").unwrap();
        conn.set_encoding_errors(ironboa::EncodingErrors::Strict);
        let strict = match conn.send_prompt("[\u{4e2d}]") {
            Err(ironboa::Error::Encode {
                character: '\u{4e2d}',
                ..
            }) => Ok(()),
            other => Err(format!("{other:?}")),
        };
        tx.lock().unwrap().send(strict).unwrap();
        let _ = conn.readline(T);
    });
    let client = TelnetConnection::connect(("127.0.0.1", port), ClientConfig::default()).unwrap();
    // é is 0x82 in cp437 (C3 A9 in UTF-8, the configured encoding).
    let write = client.read_until_bytes(b"]", T).unwrap();
    assert!(write.ends_with(b"[write \x82]"), "{write:02x?}");
    let prompt = client.read_until_bytes(b"]", T).unwrap();
    assert_eq!(prompt, b"[prompt \x82]", "{prompt:02x?}");
    assert_eq!(rx.recv_timeout(Duration::from_secs(20)).unwrap(), Ok(()));
    client.close();
    server.shutdown();
}

/// The MSSP status is made with none of the connection's locks held: a source that looks at
/// the very connection it answers (which takes that connection's engine lock, as writing to
/// it from another thread does) gets its answer instead of deadlocking the connection.
#[test]
fn mssp_source_runs_without_the_connections_locks() {
    let slot = std::sync::Arc::new(std::sync::Mutex::new(None::<ServerConnection>));
    let source_slot = slot.clone();
    let source = MsspSource::new(move || {
        let connection = source_slot.lock().unwrap().clone();
        let mud = connection.map(|c| c.is_mud_client());
        Mssp::new()
            .with("NAME", "Test")
            .with("SEEN", if mud.is_some() { "1" } else { "0" })
    });
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let ready_tx = std::sync::Mutex::new(ready_tx);
    let (server, port) = serve(ServerConfig::default().mssp(source), move |conn| {
        *slot.lock().unwrap() = Some(conn.clone());
        ready_tx.lock().unwrap().send(()).unwrap();
        let _ = conn.readline(T);
        slot.lock().unwrap().take();
    });
    // The default client refuses the server's WILL MSSP, so the DO MSSP below is the first.
    let client = TelnetConnection::connect(("127.0.0.1", port), ClientConfig::default()).unwrap();
    ready_rx.recv_timeout(Duration::from_secs(20)).unwrap();
    let status = client.request_mssp(T).unwrap().expect("MSSP status");
    assert_eq!(status.get("SEEN"), Some("1"));
    client.close();
    server.shutdown();
}

/// Two players of the mini-MUD in one room: one says DO MSSP and DONT MSSP over and over
/// (each DO makes the status, which counts the players), while the other talks (which tells
/// everyone in the room). Neither may deadlock the other: every `say` is answered.
#[test]
fn mini_mud_mssp_toggling_does_not_deadlock_the_room() {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicBool, Ordering};

    let mud = ironboa::mud::mini::MiniMud::new();
    let config = mud.config(ServerConfig::default().connect_maxwait(Duration::from_millis(100)));
    let (server, port) = serve(config, mud.handler());
    // Bob speaks raw Telnet: he answers no negotiation and only toggles MSSP.
    let mut bob = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    bob.write_all(b"Bob\r\n").unwrap();
    let (in_tx, in_rx) = mpsc::channel::<()>();
    let mut bob_reader = bob.try_clone().unwrap();
    let drain = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut told = false;
        let mut buf = [0u8; 8192];
        while let Ok(n @ 1..) = bob_reader.read(&mut buf) {
            if !told {
                seen.extend_from_slice(&buf[..n]);
                if seen.windows(10).any(|w| w == b"Hello, Bob") {
                    told = true;
                    in_tx.send(()).unwrap();
                }
            }
        }
    });
    in_rx.recv_timeout(Duration::from_secs(20)).unwrap();
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let toggling = {
        let stop = stop.clone();
        let mut bob = bob.try_clone().unwrap();
        std::thread::spawn(move || {
            // IAC DO MSSP, IAC DONT MSSP
            while !stop.load(Ordering::Relaxed) {
                if bob.write_all(b"\xff\xfd\x46\xff\xfe\x46").is_err() {
                    return;
                }
            }
        })
    };
    let alice = TelnetConnection::connect(("127.0.0.1", port), ClientConfig::default()).unwrap();
    alice.read_until("known? ", T).unwrap();
    alice.write("Alice\r\n").unwrap();
    for i in 0..300 {
        alice.write("say hi\r\n").unwrap();
        if let Err(error) = alice.read_until("You say, 'hi'", T) {
            panic!("say {i} not answered: {error}");
        }
    }
    stop.store(true, Ordering::Relaxed);
    toggling.join().unwrap();
    alice.close();
    let _ = bob.shutdown(std::net::Shutdown::Both);
    drain.join().unwrap();
    server.shutdown();
}

/// A name or value holding a marker byte would make the peer read other variables than those
/// sent (or nothing at all), and a space in a GMCP package cuts the package short: every
/// sending call refuses such a message with `InvalidArgument` and sends nothing, on both
/// kinds of connection, whether the option is on or not.
#[test]
fn messages_that_would_not_frame_are_refused() {
    fn refused(result: ironboa::Result<bool>) -> bool {
        matches!(result, Err(ironboa::Error::InvalidArgument(_)))
    }
    let forged = Msdp::new().with("TITLE", "the Brave\x01HEALTH\x029999");
    let unbalanced = Msdp::new().with("TITLE", "bad\x03");
    let nested = Msdp::new().with(
        "ROOM",
        MsdpValue::table([("NAME\x06", MsdpValue::from("Hall"))]),
    );
    let status = Mssp::new().with("NAME", "My\x01PLAYERS\x029999");
    let (tx, rx) = mpsc::channel::<Vec<bool>>();
    let tx = std::sync::Mutex::new(tx);
    let config = ServerConfig::default().offer_local(&[TelnetOption::GMCP, TelnetOption::MSDP]);
    let (forged_s, unbalanced_s, nested_s) = (forged.clone(), unbalanced.clone(), nested.clone());
    let (server, port) = serve(config, move |conn| {
        let results = vec![
            conn.gmcp_enabled(),
            refused(conn.send_gmcp_raw("Comm Channel", b"{}")),
            refused(conn.send_gmcp("Comm Channel", &serde_json::json!({}))),
            refused(conn.send_gmcp_raw("", b"{}")),
            refused(conn.send_msdp(&forged_s)),
            refused(conn.send_msdp(&unbalanced_s)),
            refused(conn.send_msdp(&nested_s)),
            refused(conn.send_mssp(&status)),
            // IAC in a value is fine: the engine doubles it.
            conn.send_gmcp_raw("Comm.Channel", b"\xff{}").unwrap(),
        ];
        tx.lock().unwrap().send(results).unwrap();
        let _ = conn.readline(T);
    });
    let client = TelnetConnection::connect(
        ("127.0.0.1", port),
        ClientConfig::default().gmcp_modules(&["Comm 1"]),
    )
    .unwrap();
    assert!(client.gmcp_enabled());
    let results = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(results, [true; 9]);
    // The first GMCP message the client sees is the good one.
    let first = next(&client, |e| match e {
        Event::Subnegotiation(Subnegotiation::Gmcp(m)) => Some(m),
        _ => None,
    });
    assert_eq!(first.package, "Comm.Channel");
    assert_eq!(first.data, b"\xff{}");
    assert!(refused(client.send_gmcp_raw("Comm Channel", b"{}")));
    assert!(refused(client.send_msdp(&forged)));
    assert!(refused(client.send_msdp(&unbalanced)));
    assert!(refused(client.send_msdp(&nested)));
    client.close();
    server.shutdown();
}

/// `request_mssp(None)` never waits for a status that will not come. MSSP agreed during the
/// opening negotiation (the server offers `WILL MSSP` and sends its status at once), and
/// that status's event already read: the call answers with it, sending nothing.
#[test]
fn request_mssp_answers_with_a_status_already_received() {
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    let source = MsspSource::new(move || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        Mssp::new().with("ASKED", &n.to_string())
    });
    let (server, port) = serve(ServerConfig::default().mssp(source), |conn| {
        let _ = conn.readline(T);
    });
    let mut policy = Policy::client();
    policy.remote.insert(TelnetOption::MSSP);
    let client =
        TelnetConnection::connect(("127.0.0.1", port), ClientConfig::default().policy(policy))
            .unwrap();
    // An earlier event read took the status.
    let first = next(&client, |e| match e {
        Event::Subnegotiation(Subnegotiation::Mssp(status)) => Some(status),
        _ => None,
    });
    assert_eq!(first.get("ASKED"), Some("1"));
    assert!(client.remote_enabled(TelnetOption::MSSP));
    // Run in a thread so that a call that blocks for ever fails the test instead of hanging it.
    let client = std::sync::Arc::new(client);
    let (tx, rx) = mpsc::channel();
    let asking = client.clone();
    std::thread::spawn(move || tx.send(asking.request_mssp(None).map_err(|e| e.to_string())));
    let status = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("request_mssp(None) returned");
    assert_eq!(status, Ok(Some(first)));
    // Nothing was asked again.
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);
    client.close();
    server.shutdown();
}

/// MSSP on but no status received (a server that agreed to MSSP without sending one):
/// `request_mssp` asks again with `DONT MSSP`, `DO MSSP`, and returns what that brings.
#[test]
fn request_mssp_asks_again_when_mssp_is_on_without_a_status() {
    // This server agrees to MSSP without a source, and sends a status by hand only when MSSP
    // is turned on a second time.
    let mut server_policy = Policy::server();
    server_policy.local.insert(TelnetOption::MSSP);
    let config = ServerConfig::default().policy(server_policy);
    let (server, port) = serve(config, |conn| {
        let mut turned_on = 0;
        while let Ok(event) = conn.next_event(T) {
            if let Event::OptionChanged {
                option: TelnetOption::MSSP,
                side: ironboa::proto::Side::Local,
                enabled: true,
            } = event
            {
                turned_on += 1;
                if turned_on == 2 {
                    let status = Mssp::new().with("NAME", "Again");
                    assert!(conn.send_mssp(&status).unwrap());
                }
            }
        }
    });
    let client = TelnetConnection::connect(
        ("127.0.0.1", port),
        ClientConfig::default().offer_remote(&[TelnetOption::MSSP]),
    )
    .unwrap();
    client
        .wait_for(&ironboa::WaitFor::new().remote(TelnetOption::MSSP, true), T)
        .unwrap();
    let status = client.request_mssp(T).unwrap().expect("MSSP status");
    assert_eq!(status.get("NAME"), Some("Again"));
    // Asked again, the answer is the status received, at once.
    assert_eq!(client.request_mssp(T).unwrap(), Some(status));
    client.close();
    server.shutdown();
}
