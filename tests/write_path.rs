//! The one write path: a negotiation reply queued by the reading side while another thread is
//! in the middle of a write goes out with that write, without any further input, whichever
//! write call held the path.
//!
//! The connection runs over a transport whose write half blocks until the test opens a gate,
//! so "in the middle of a write" is a state the test holds, not a race it hopes for.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use ironboa::client::{ClientConfig, TelnetConnection};
use ironboa::{Event, Side, TelnetOption, Transport};
use parking_lot::Mutex;

const T: Duration = Duration::from_secs(5);

/// A write half that reports each write and blocks it until the gate opens.
struct GatedWriter {
    written: Arc<Mutex<Vec<u8>>>,
    entered: Sender<()>,
    gate: Receiver<()>,
}

impl Write for GatedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.entered.try_send(());
        // Blocks while the test holds the gate's sender; passes once it is dropped.
        let _ = self.gate.recv();
        self.written.lock().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Rig {
    conn: Arc<TelnetConnection>,
    peer: UnixStream,
    written: Arc<Mutex<Vec<u8>>>,
    entered: Receiver<()>,
    gate: Option<Sender<()>>,
}

fn rig() -> Rig {
    let (ours, peer) = UnixStream::pair().unwrap();
    let written = Arc::new(Mutex::new(Vec::new()));
    let (entered_tx, entered) = crossbeam_channel::bounded(1);
    let (gate, gate_rx) = crossbeam_channel::bounded(0);
    let writer = GatedWriter {
        written: Arc::clone(&written),
        entered: entered_tx,
        gate: gate_rx,
    };
    let config = ClientConfig::default().connect_minwait(Duration::ZERO);
    let conn = TelnetConnection::from_transport(Transport::from_streams(ours, writer), config)
        .expect("a client over streams");
    Rig {
        conn: Arc::new(conn),
        peer,
        written,
        entered,
        gate: Some(gate),
    }
}

/// Holds the write path with `call` on another thread, has the reading side queue a reply
/// meanwhile, opens the gate, and returns everything written.
fn reply_during(call: impl FnOnce(&TelnetConnection) + Send + 'static) -> Vec<u8> {
    let mut rig = rig();
    let writing = Arc::clone(&rig.conn);
    let holder = std::thread::spawn(move || call(&writing));
    rig.entered
        .recv_timeout(T)
        .expect("the write reached the transport");
    // The server asks for the terminal type; the client's engine queues IAC WILL TTYPE.
    rig.peer.write_all(&[255, 253, 24]).unwrap();
    let event = rig.conn.next_event(Some(T)).expect("the DO was read");
    assert_eq!(
        event,
        Event::OptionChanged {
            option: TelnetOption::TTYPE,
            side: Side::Local,
            enabled: true
        }
    );
    assert!(
        !contains(&rig.written.lock(), &[255, 251, 24]),
        "the reply cannot have gone out while the write path was held"
    );
    drop(rig.gate.take()); // opens the gate
    holder.join().expect("the write call returned");
    // No more input: whatever holds the path wrote the reply before letting go.
    rig.written.lock().clone()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn assert_data_then_reply(written: &[u8], data: &[u8]) {
    let mut expected = data.to_vec();
    expected.extend_from_slice(&[255, 251, 24]);
    assert_eq!(
        written, expected,
        "the data, then the reply queued meanwhile"
    );
}

#[test]
fn write_carries_a_reply_queued_during_it() {
    let written = reply_during(|conn| conn.write_bytes(b"hello").unwrap());
    assert_data_then_reply(&written, b"hello");
}

#[test]
fn write_text_carries_a_reply_queued_during_it() {
    let written = reply_during(|conn| conn.write("h\u{e9}").unwrap());
    assert_data_then_reply(&written, "h\u{e9}".as_bytes());
}

#[test]
fn io_write_carries_a_reply_queued_during_it() {
    let written = reply_during(|conn| {
        let mut conn = conn;
        conn.write_all(b"via io::Write").unwrap();
    });
    assert_data_then_reply(&written, b"via io::Write");
}

#[test]
fn with_engine_carries_a_reply_queued_during_it() {
    let written = reply_during(|conn| {
        conn.with_engine(|e| e.enable_remote(TelnetOption::ECHO))
            .unwrap();
    });
    assert_data_then_reply(&written, &[255, 253, 1]);
}
