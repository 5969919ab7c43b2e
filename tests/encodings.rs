//! Encodings against real peers: telnetlib3's client typing cp437 box drawing and KOI8-R
//! Cyrillic at ironboa's server, ironboa's client at telnetlib3's server, and CHARSET (RFC 2066)
//! and LANG switching the encoding mid-session, checked by the bytes on the wire.
#![cfg(feature = "cli")]

mod support;

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ironboa::client::{ClientConfig, TelnetConnection};
use ironboa::{
    BlockingTelnetServer, Command as TelnetCommand, Encoding, EncodingErrors, Error, ServerConfig,
    ServerConnection, WaitFor,
};
use support::eventually;
use support::peers::{PeerServer, free_port, python};
use support::server_bin::ServerProcess;

const T: Option<Duration> = Some(Duration::from_secs(10));
const CLIENT: &str = env!("CARGO_BIN_EXE_ironboa-client");

fn encoding(name: &str) -> Encoding {
    Encoding::from_name(name).unwrap()
}

/// telnetlib3-client with its standard input and output on pipes (it sends what it reads
/// as the bytes they are, as a terminal in that encoding would, and prints what it decodes).
struct Tl3Client {
    child: Child,
    stdin: Option<ChildStdin>,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Tl3Client {
    fn start(port: u16, args: &[&str]) -> Option<Tl3Client> {
        let python = python()?;
        let program = python.parent().unwrap().join("telnetlib3-client");
        let mut child = Command::new(program)
            .args(args)
            .args(["127.0.0.1", &port.to_string()])
            .env("TERM", "xterm")
            .env("PYTHONIOENCODING", "utf-8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start telnetlib3-client");
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Some(Tl3Client {
            child,
            stdin,
            output,
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    fn wait_for(&self, text: &str) {
        assert!(
            eventually(20, || self.text().contains(text)),
            "telnetlib3-client never printed {text:?}; it printed:\n{}",
            self.text()
        );
    }

    fn type_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }
}

impl Drop for Tl3Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// telnetlib3-server with tests/peers/tl3_encoding_shell.py, which echoes each line with the
/// code points it decoded.
fn tl3_server(args: &[&str]) -> Option<PeerServer> {
    let python = python()?;
    let port = free_port();
    let mut command = Command::new(python.parent().unwrap().join("telnetlib3-server"));
    command
        .env(
            "PYTHONPATH",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers"),
        )
        .arg("--shell=tl3_encoding_shell.shell")
        .args(args)
        .args(["127.0.0.1", &port.to_string()]);
    Some(PeerServer::start(command, port))
}

/// ironboa-client in pipeline mode: `input` on its standard input, what it printed back.
fn ironboa_client(port: u16, args: &[&str], input: &str) -> String {
    let mut child = Command::new(CLIENT)
        .args(args)
        .args(["--eof-wait", "5", "127.0.0.1", &port.to_string()])
        .env_remove("LANG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "ironboa-client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 on the terminal side")
}

#[test]
fn telnetlib3_client_types_cp437_box_drawing_at_ironboa_server() {
    let server = ServerProcess::start(&["--encoding", "cp437"]);
    let Some(mut client) =
        Tl3Client::start(server.port, &["--encoding", "cp437", "--force-binary"])
    else {
        return;
    };
    client.wait_for("> ");
    // ╔═╗║░▒▓█ in cp437, as a DOS terminal sends it.
    client.type_bytes(b"\xc9\xcd\xbb\xba\xb0\xb1\xb2\xdb\r\n");
    // The server decoded cp437 (not UTF-8, which would have echoed U+FFFD as EF BF BD, shown
    // by telnetlib3 as "∩┐╜") and encoded it back.
    client.wait_for("╔═╗║░▒▓█\n");
    assert!(!client.text().contains("∩┐╜"), "{}", client.text());
}

#[test]
fn telnetlib3_client_koi8r_reaches_the_handler_as_cyrillic() {
    let server = BlockingTelnetServer::bind(
        "127.0.0.1:0",
        ServerConfig::default().encoding(encoding("koi8-r")),
    )
    .unwrap();
    server.start().unwrap();
    let Some(mut client) = Tl3Client::start(
        server.local_addr().port(),
        &["--encoding", "koi8-r", "--force-binary"],
    ) else {
        return;
    };
    let conn = server.accept(T).unwrap();
    // CHARSET: the server offered KOI8-R, telnetlib3 accepted it.
    assert_eq!(conn.encoding(), encoding("koi8-r"));
    assert_eq!(conn.get_extra_info("charset").as_deref(), Some("KOI8-R"));
    conn.send("> ").unwrap();
    client.wait_for("> ");
    client.type_bytes(b"\xf0\xd2\xc9\xd7\xc5\xd4\r\n"); // Привет in KOI8-R
    let line = conn.readline(T).unwrap();
    assert_eq!(line, "Привет");
    conn.send(&format!("got {line}, ёж\n")).unwrap();
    client.wait_for("got Привет, ёж\n");
}

#[test]
fn lang_picks_the_encoding_where_charset_was_refused() {
    // The server offers only latin-1; telnetlib3's client, told koi8-r, refuses it, and its
    // LANG (en_US.koi8-r) names the encoding instead.
    let server = BlockingTelnetServer::bind(
        "127.0.0.1:0",
        ServerConfig::default().encoding(Encoding::Latin1),
    )
    .unwrap();
    server.start().unwrap();
    let Some(mut client) = Tl3Client::start(
        server.local_addr().port(),
        &["--encoding", "koi8-r", "--force-binary"],
    ) else {
        return;
    };
    let conn = server.accept(T).unwrap();
    assert!(
        eventually(10, || conn.get_extra_info("LANG").is_some()),
        "no LANG"
    );
    assert_eq!(conn.get_extra_info("LANG").as_deref(), Some("en_US.koi8-r"));
    assert_eq!(conn.encoding(), encoding("koi8-r"));
    conn.send("> ").unwrap();
    client.wait_for("> ");
    client.type_bytes(b"\xe4\xc1\r\n"); // Да
    assert_eq!(conn.readline(T).unwrap(), "Да");
}

#[test]
fn ironboa_client_at_telnetlib3_server_cp437_and_koi8r() {
    for (name, typed, points) in [
        (
            "cp437",
            "╔═╗║░▒▓█",
            "2554 2550 2557 2551 2591 2592 2593 2588",
        ),
        ("koi8-r", "Привет", "041F 0440 0438 0432 0435 0442"),
    ] {
        let Some(server) = tl3_server(&["--encoding", name, "--force-binary"]) else {
            return;
        };
        let shown = ironboa_client(
            server.port,
            &["--encoding", name],
            &format!("{typed}\nquit\n"),
        );
        // telnetlib3 decoded what ironboa-client encoded, and ironboa-client decoded its echo.
        assert!(
            shown.contains(&format!("echo: {typed} [{points}]")),
            "{name}: {shown}"
        );
        // CP437 agreed in CHARSET; KOI8-R, which telnetlib3 does not offer, from its --encoding.
        assert!(
            shown.to_lowercase().contains(&format!("charset={name}")),
            "{name}: {shown}"
        );
    }
}

#[test]
fn charset_between_ironboa_server_and_client_switches_both_and_the_wire_shows_it() {
    let server = BlockingTelnetServer::bind(
        "127.0.0.1:0",
        ServerConfig::default().encoding(encoding("koi8-r")),
    )
    .unwrap();
    server.start().unwrap();
    // No encoding given: the client accepts the first offered character set it knows.
    let client = TelnetConnection::connect(server.local_addr(), ClientConfig::default()).unwrap();
    let conn = server.accept(T).unwrap();
    assert_eq!(client.encoding(), encoding("koi8-r"));
    assert_eq!(conn.encoding(), encoding("koi8-r"));
    conn.send("Привет\n").unwrap();
    assert_eq!(
        client.read_until_bytes(b"\r\n", T).unwrap(),
        b"\xf0\xd2\xc9\xd7\xc5\xd4\r\n"
    );
    client.send("ёж\n").unwrap();
    assert_eq!(conn.readline_bytes(T).unwrap(), b"\xa3\xd6");
    // Mid-session, both ends switch to cp437.
    conn.set_encoding(encoding("cp437"));
    client.set_encoding(encoding("cp437"));
    conn.send("╔═╗\n").unwrap();
    assert_eq!(
        client.read_until_bytes(b"\r\n", T).unwrap(),
        b"\xc9\xcd\xbb\r\n"
    );
    client.send("░▒▓\n").unwrap();
    assert_eq!(conn.readline(T).unwrap(), "░▒▓");
}

#[test]
fn ironboa_client_accepts_telnetlib3_offer_and_the_wire_shows_it() {
    let Some(server) = tl3_server(&["--encoding", "cp437", "--force-binary"]) else {
        return;
    };
    let config = ClientConfig::default().encoding(encoding("cp437"));
    let client = TelnetConnection::connect(("127.0.0.1", server.port), config).unwrap();
    assert_eq!(
        client.read_until_bytes(b"> ", T).unwrap(),
        b"charset=CP437\r\n> "
    );
    client.send("╔═╗\n").unwrap();
    assert_eq!(
        client.read_until_bytes(b"\r\n", T).unwrap(),
        b"echo: \xc9\xcd\xbb [2554 2550 2557]\r\n"
    );
}

#[test]
fn strict_decoding_is_an_error_that_keeps_the_bytes() {
    let server = BlockingTelnetServer::bind(
        "127.0.0.1:0",
        ServerConfig::default().encoding_errors(EncodingErrors::Strict),
    )
    .unwrap();
    server.start().unwrap();
    let client = TelnetConnection::connect(server.local_addr(), ClientConfig::default()).unwrap();
    let conn = server.accept(T).unwrap();
    client.write_bytes(b"caf\xe9\r\nok\r\n").unwrap();
    match conn.readline(T) {
        Err(Error::Decode {
            position, bytes, ..
        }) => {
            assert_eq!(position, 3);
            assert_eq!(bytes, b"caf\xe9");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(conn.readline(T).unwrap(), "ok");
    conn.set_encoding_errors(EncodingErrors::Replace);
    client.write_bytes(b"caf\xe9\r\n").unwrap();
    assert_eq!(conn.readline(T).unwrap(), "caf\u{fffd}");
}

#[test]
fn telnetlib3_client_types_petscii_and_atascii_graphics_at_ironboa_server() {
    for (name, typed, shown) in [
        // "Hello" (capital H is 0xc8) and graphics; telnetlib3 shows its own glyphs for them.
        (
            "petscii",
            &b"\xc8\x45\x4c\x4c\x4f \xa6\xdb\xb0\x5c\r"[..],
            "> Hello │┼◤£",
        ),
        // ATASCII ends the line with 0x9b.
        (
            "atascii",
            &b"Hi \x00\x10\x60\x7b\x11\x12\x05\xa0\x9b"[..],
            "> Hi ♥♣♦♠┌─┐█",
        ),
    ] {
        let server = ServerProcess::start(&["--encoding", name]);
        let Some(mut client) = Tl3Client::start(server.port, &["--encoding", name]) else {
            return;
        };
        client.wait_for("> ");
        client.type_bytes(typed);
        // The echo is the same bytes, so telnetlib3 shows what it decodes from what was typed.
        client.wait_for(shown);
    }
}

#[test]
fn ironboa_client_at_telnetlib3_server_petscii_and_atascii() {
    for (name, typed, points) in [
        (
            "petscii",
            "Hello ┼£",
            "0048 0065 006C 006C 006F 0020 253C 00A3",
        ),
        ("atascii", "Hi ♥♣♦♠", "0048 0069 0020 2665 2663 2666 2660"),
    ] {
        let Some(server) = tl3_server(&["--encoding", name, "--force-binary"]) else {
            return;
        };
        let shown = ironboa_client(
            server.port,
            &["--encoding", name],
            &format!("{typed}\nquit\n"),
        );
        assert!(
            shown.contains(&format!("echo: {typed} [{points}]")),
            "{name}: {shown:?}"
        );
    }
}

#[test]
fn syncterm_font_selection_switches_ironboa_client_unless_encoding_given() {
    for (args, expected) in [
        (&[][..], "plain Hello ▒\r\n╔"), // the selections themselves left out
        (&["--encoding", "utf-8"][..], "32 D\u{fffd}ELLO"),
    ] {
        let server = BlockingTelnetServer::bind("127.0.0.1:0", ServerConfig::default()).unwrap();
        server.start().unwrap();
        let port = server.local_addr().port();
        let feeder = std::thread::spawn(move || {
            let conn = server.accept(T).unwrap();
            // Font 32 (Commodore 64): PETSCII from here on; then font 0 (cp437).
            conn.write_bytes(b"plain \x1b[0;32 D\xc8\x45\x4c\x4c\x4f \xa6\r\x1b[0;0 D\xc9")
                .unwrap();
            conn.flush().unwrap();
            let _ = conn.readline(T);
            conn.close();
        });
        let shown = ironboa_client(port, args, "done\n");
        feeder.join().unwrap();
        assert!(shown.contains(expected), "{args:?}: {shown:?}");
    }
}

#[test]
fn ironboa_client_sends_the_retro_sets_own_key_bytes_from_a_terminal() {
    if !support::peers::have_program("tmux") {
        return;
    }
    for (name, extra, expected) in [
        // Up, Left, Backspace, "a", Enter.
        ("petscii", "", &b"\x91\x9d\x14\x41\r"[..]),
        ("atascii", "", &b"\x1c\x1e\x7ea\x9b"[..]),
        (
            "atascii",
            "--ansi-keys --ascii-eol",
            &b"\x1b[A\x1b[D\x7ea\r"[..],
        ),
    ] {
        let server = BlockingTelnetServer::bind("127.0.0.1:0", ServerConfig::default()).unwrap();
        server.start().unwrap();
        let pane = support::tmux::Pane::start(
            &format!("enc-keys-{name}-{}", extra.len()),
            &format!(
                "{CLIENT} --encoding {name} {extra} 127.0.0.1 {}",
                server.local_addr().port()
            ),
        );
        let conn = server.accept(T).unwrap();
        conn.send("ready\n").unwrap();
        pane.wait_for("ready");
        pane.keys(&["Up", "Left", "BSpace"]);
        pane.type_text("a");
        pane.keys(&["Enter"]);
        let mut received = Vec::new();
        while !received.ends_with(expected) {
            received.extend(conn.read_bytes(64, T).unwrap());
        }
        assert_eq!(received, expected, "{name} {extra}");
    }
}

#[test]
fn ironboa_server_encoding_errors_strict_refuses_the_line_and_goes_on() {
    let server = ServerProcess::start(&["--encoding-errors", "strict"]);
    let client =
        TelnetConnection::connect(("127.0.0.1", server.port), ClientConfig::default()).unwrap();
    client.read_until("> ", T).unwrap();
    client.write_bytes(b"caf\xe9\r\n").unwrap();
    assert_eq!(
        client.read_until("> ", T).unwrap(),
        "That line is not valid UTF-8 (byte 3).\r\n> "
    );
    client.send("café\n").unwrap();
    assert_eq!(client.read_until("> ", T).unwrap(), "café\r\n> ");
}

#[test]
fn pty_program_is_told_the_agreed_encoding_when_the_client_sent_no_lang() {
    let server = ServerProcess::start(&[
        "--encoding",
        "koi8-r",
        "--pty-exec",
        "/bin/sh",
        "--",
        "-c",
        "'echo LANG=$LANG'",
    ]);
    // The library client sends no environment; it accepts KOI8-R in CHARSET.
    let config = ClientConfig::default().encoding(encoding("koi8-r"));
    let client = TelnetConnection::connect(("127.0.0.1", server.port), config).unwrap();
    let text = client.read_until("\n", T).unwrap();
    assert!(text.contains("LANG=en_US.KOI8-R"), "{text:?}");
}

#[test]
fn charset_switches_ironboa_server_from_utf8_to_what_telnetlib3_accepts() {
    // Configured UTF-8, offering UTF-8, KOI8-R and CP437: telnetlib3's client, told cp437,
    // accepts CP437, and the connection switches to it.
    let config = ServerConfig::default().offer_encodings(vec![
        Encoding::Utf8,
        encoding("koi8-r"),
        encoding("cp437"),
    ]);
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server.start().unwrap();
    let Some(client) = Tl3Client::start(
        server.local_addr().port(),
        &["--encoding", "cp437", "--force-binary"],
    ) else {
        return;
    };
    let conn = server.accept(T).unwrap();
    // Agreed in CHARSET (LANG, en_US.cp437, names the same).
    assert_eq!(conn.peer_info().charset.as_deref(), Some("CP437"));
    assert_eq!(conn.encoding(), encoding("cp437"));
    // 0xc9 0xcd 0xbb on the wire: telnetlib3 shows them as ╔═╗ (UTF-8's bytes would show as
    // "ΓòöΓòÉΓòù").
    conn.send("╔═╗ switched\n").unwrap();
    client.wait_for("╔═╗ switched");
}

/// A server in character mode whose connections use `name`, and a client it echoes to; the
/// client writes bytes as a terminal in `name` sends them as they are typed.
fn character_mode(name: &str) -> (BlockingTelnetServer, TelnetConnection, ServerConnection) {
    let config = ServerConfig::default()
        .encoding(encoding(name))
        .character_mode(true);
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server.start().unwrap();
    let client = TelnetConnection::connect(server.local_addr(), ClientConfig::default()).unwrap();
    let conn = server.accept(T).unwrap();
    client
        .wait_for(&WaitFor::new().remote("ECHO", true), T)
        .unwrap();
    assert_eq!(conn.encoding(), encoding(name));
    (server, client, conn)
}

#[test]
fn backspace_erases_one_character_in_the_connections_encoding() {
    // (encoding, typed, the line read, what the server echoed)
    let cases: &[(&str, &[u8], &str, &[u8])] = &[
        // cp866 "да" BS "л": а is 0xa0, which is not a UTF-8 continuation here.
        (
            "cp866",
            b"\xa4\xa0\x08\xab\r\n",
            "дл",
            b"\xa4\xa0\x08 \x08\xab\r\n",
        ),
        // latin-1 "12°" BS "C".
        (
            "latin-1",
            b"12\xb0\x08C\r\n",
            "12C",
            b"12\xb0\x08 \x08C\r\n",
        ),
        // cp437 "caféé" BS (é is 0x82), then DEL.
        (
            "cp437",
            b"caf\x82\x82\x08\r\n",
            "café",
            b"caf\x82\x82\x08 \x08\r\n",
        ),
        (
            "cp437",
            b"caf\x82\x82\x7f\x7fe\r\n",
            "cafe",
            b"caf\x82\x82\x08 \x08\x08 \x08e\r\n",
        ),
        // Shift_JIS "日本" BS "語": two-byte characters, and 0x96 (本's first byte) erases
        // with its trail byte; half-width katakana ｱ (0xb1) is one byte.
        (
            "shift_jis",
            b"\x93\xfa\x96\x7b\x08\x8c\xea\xb1\x08\r\n",
            "日語",
            b"\x93\xfa\x96\x7b\x08 \x08\x8c\xea\xb1\x08 \x08\r\n",
        ),
        // Ctrl-U echoes one erasure a character.
        (
            "cp866",
            b"\xa4\xa0\x15\xab\r\n",
            "л",
            b"\xa4\xa0\x08 \x08\x08 \x08\xab\r\n",
        ),
        (
            "shift_jis",
            b"a\x93\xfa\x15b\r\n",
            "b",
            b"a\x93\xfa\x08 \x08\x08 \x08b\r\n",
        ),
        // UTF-8 as before: é is two bytes, one character.
        (
            "utf-8",
            b"caf\xc3\xa9\x08e\r\n",
            "cafe",
            b"caf\xc3\xa9\x08 \x08e\r\n",
        ),
    ];
    for &(name, typed, line, echo) in cases {
        let (server, client, conn) = character_mode(name);
        client.write_bytes(typed).unwrap();
        assert_eq!(conn.readline(T).unwrap(), line, "{name} {typed:02x?}");
        assert_eq!(
            client.read_until_bytes(b"\r\n", T).unwrap(),
            echo,
            "{name} {typed:02x?}"
        );
        drop(client);
        server.shutdown();
    }
}

#[test]
fn erase_character_command_erases_one_character_in_the_connections_encoding() {
    let ec = |client: &TelnetConnection| {
        client
            .with_engine(|engine| engine.send_command(TelnetCommand::EraseCharacter))
            .unwrap()
            .unwrap();
    };
    for (name, typed, rest, line) in [
        ("cp866", &b"\xa4\xa0"[..], &b"\xab\r\n"[..], "дл"),
        ("latin-1", b"12\xb0", b"C\r\n", "12C"),
        ("cp437", b"caf\x82\x82", b"\r\n", "café"),
        ("shift_jis", b"\x93\xfa\x96\x7b", b"\x8c\xea\r\n", "日語"),
        ("utf-8", b"caf\xc3\xa9", b"e\r\n", "cafe"),
    ] {
        let (server, client, conn) = character_mode(name);
        // Sent before the server reads a line: IAC EC erases from the input waiting for it.
        client.write_bytes(typed).unwrap();
        ec(&client);
        client.write_bytes(rest).unwrap();
        assert_eq!(conn.readline(T).unwrap(), line, "{name}, unread");
        client.read_until_bytes(b"\r\n", T).unwrap();
        // Already in the line being edited (its echo came back): it erases from that line.
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| conn.readline(T));
            client.write_bytes(typed).unwrap();
            assert_eq!(client.read_until_bytes(typed, T).unwrap(), typed);
            ec(&client);
            client.write_bytes(rest).unwrap();
            assert_eq!(reader.join().unwrap().unwrap(), line, "{name}, edited");
        });
        drop(client);
        server.shutdown();
    }
}
