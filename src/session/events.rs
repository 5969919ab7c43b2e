//! The events a connection keeps for its application: commands, option changes and
//! subnegotiations, in the order they arrived, within a bound.

use std::collections::VecDeque;

use crate::options::Subnegotiation;
use crate::proto::Event;

/// A bounded queue of events. Past either bound the oldest events are dropped (and counted),
/// so an application that never asks for events costs a bounded amount of memory.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    events: VecDeque<Event>,
    /// Payload bytes held by the queued subnegotiations.
    bytes: usize,
    dropped: u64,
}

/// The bounds of an [`EventQueue`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventLimits {
    /// The most events held (0: events are not kept at all).
    pub(crate) max_events: usize,
    /// The most subnegotiation payload bytes held.
    pub(crate) max_bytes: usize,
}

fn payload_len(event: &Event) -> usize {
    match event {
        Event::Subnegotiation(Subnegotiation::Other { data, .. }) => data.len(),
        Event::Subnegotiation(Subnegotiation::Gmcp(gmcp)) => gmcp.package.len() + gmcp.data.len(),
        // Decoded trees weigh more than their wire form: counted as held in memory.
        Event::Subnegotiation(Subnegotiation::Msdp(msdp)) => msdp.memory_size(),
        Event::Subnegotiation(Subnegotiation::Mssp(mssp)) => mssp.memory_size(),
        Event::Subnegotiation(_) => 64,
        _ => 0,
    }
}

impl EventQueue {
    /// Appends `event`, dropping the oldest ones past the limits.
    pub(crate) fn push(&mut self, event: Event, limits: EventLimits) {
        if limits.max_events == 0 {
            return;
        }
        self.bytes += payload_len(&event);
        self.events.push_back(event);
        while self.events.len() > limits.max_events
            || (self.bytes > limits.max_bytes && self.events.len() > 1)
        {
            let Some(old) = self.events.pop_front() else {
                break;
            };
            self.bytes -= payload_len(&old);
            self.dropped += 1;
            if self.dropped.is_power_of_two() {
                log::info!(
                    "event queue full: {} events dropped so far (nobody takes them?)",
                    self.dropped
                );
            }
        }
    }

    /// The oldest event.
    pub(crate) fn pop(&mut self) -> Option<Event> {
        let event = self.events.pop_front()?;
        self.bytes -= payload_len(&event);
        if self.events.is_empty() && self.events.capacity() > 64 {
            self.events = VecDeque::new();
        }
        Some(event)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    /// How many events were dropped because the queue was full.
    #[cfg(test)]
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{Command, TelnetOption};

    #[test]
    fn bounded_by_count_and_bytes() {
        let limits = EventLimits {
            max_events: 3,
            max_bytes: 10,
        };
        let mut queue = EventQueue::default();
        for _ in 0..5 {
            queue.push(Event::Command(Command::InterruptProcess), limits);
        }
        assert_eq!(queue.len(), 3);
        assert_eq!(queue.dropped(), 2);
        let big = Event::Subnegotiation(Subnegotiation::Other {
            option: TelnetOption::GMCP,
            data: vec![b'x'; 8],
        });
        queue.push(big.clone(), limits);
        queue.push(big.clone(), limits);
        // Two payloads of 8 exceed 10 bytes: only the newest stays.
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.pop(), Some(big));
        assert_eq!(queue.pop(), None);
    }

    #[test]
    fn decoded_mud_messages_count_what_they_hold() {
        use crate::options::Msdp;
        // 2,000 empty array items: 4 KB on the wire, far more as a tree.
        let mut payload = b"\x01A\x02\x05".to_vec();
        payload.extend(std::iter::repeat_n(2u8, 2000));
        payload.push(6);
        let message = Msdp::decode(&payload).unwrap();
        let event = Event::Subnegotiation(Subnegotiation::Msdp(message));
        assert!(payload_len(&event) >= 2000 * std::mem::size_of::<crate::options::MsdpValue>());
        let limits = EventLimits {
            max_events: 100,
            max_bytes: 4 * 8 * 1024,
        };
        let mut queue = EventQueue::default();
        for _ in 0..10 {
            queue.push(event.clone(), limits);
        }
        assert_eq!(queue.len(), 1, "each tree alone is over the byte bound");
    }
}
