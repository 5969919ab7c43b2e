//! A mini-MUD (the `mud` feature): what `ironboa-server --shell mud` and
//! `examples/mini_mud.rs` run. Four rooms with exits; `look`, the directions, `say`, `who`,
//! `help` and `quit`; GMCP `Room.Info` and `Char.Vitals`, MSDP `ROOM` and `HEALTH` for the
//! variables a client asks to have reported, MSSP with the player count and start time, and
//! prompts ended with IAC EOR (or IAC GA). It shows the MUD calls, not how to write a game:
//! no persistence, no combat.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use serde_json::json;

use super::{MsdpServer, MsspSource};
use crate::error::Error;
use crate::options::{Msdp, MsdpValue, Mssp, Subnegotiation};
use crate::proto::Event;
use crate::proto::TelnetOption;
use crate::server::{ConnectionId, ServerConfig, ServerConnection};

/// One room: its number, name, description and exits (direction, room number).
struct Room {
    name: &'static str,
    description: &'static str,
    exits: &'static [(&'static str, usize)],
}

const ROOMS: &[Room] = &[
    Room {
        name: "The Town Square",
        description: "Cobbles worn smooth by many feet. A gate lies north; a tavern east.",
        exits: &[("north", 1), ("east", 2)],
    },
    Room {
        name: "The North Gate",
        description: "A heavy iron gate, shut. The square is back south.",
        exits: &[("south", 0)],
    },
    Room {
        name: "The Tavern",
        description: "Warm, loud and smoky. Stairs lead up; the square is west.",
        exits: &[("west", 0), ("up", 3)],
    },
    Room {
        name: "The Tavern Loft",
        description: "A quiet room under the roof. Stairs lead down.",
        exits: &[("down", 2)],
    },
];

/// The longest player name, in characters.
const MAX_NAME: usize = 16;
/// The most each player's health can be.
const MAX_HEALTH: i64 = 100;
/// How often the game looks for GMCP and MSDP requests while it waits for a command.
const POLL: Duration = Duration::from_millis(200);
/// The variables MSDP may report.
const REPORTABLE: &[&str] = &["ROOM", "HEALTH", "HEALTH_MAX", "ROOM_NAME", "ROOM_VNUM"];

struct Player {
    name: String,
    room: usize,
    connection: ServerConnection,
}

struct World {
    started: SystemTime,
    players: Mutex<BTreeMap<ConnectionId, Player>>,
    /// Whether the configuration made with [`MiniMud::config`] offers MCCP2.
    compression: std::sync::atomic::AtomicBool,
}

/// The mini-MUD: one world shared by every connection (a cheap `Clone` handle).
///
/// ```no_run
/// use ironboa::{BlockingTelnetServer, ServerConfig};
/// use ironboa::mud::mini::MiniMud;
///
/// let mud = MiniMud::new();
/// let server = BlockingTelnetServer::bind("127.0.0.1:4000", mud.config(ServerConfig::default()))?;
/// server.serve_forever(mud.handler())?;
/// # Ok::<(), ironboa::Error>(())
/// ```
#[derive(Clone)]
pub struct MiniMud {
    world: Arc<World>,
}

impl Default for MiniMud {
    fn default() -> Self {
        MiniMud::new()
    }
}

impl MiniMud {
    /// An empty world, started now.
    pub fn new() -> MiniMud {
        MiniMud {
            world: Arc::new(World {
                started: SystemTime::now(),
                players: Mutex::new(BTreeMap::new()),
                compression: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    /// How many players are in the game.
    pub fn player_count(&self) -> usize {
        self.world.players.lock().len()
    }

    /// The status MSSP reports: the name, the player count, the start time (MSSP's `UPTIME`
    /// is the Unix time the server started), the codebase and the protocols.
    pub fn status(&self) -> Mssp {
        let started = self
            .world
            .started
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Mssp::new()
            .with("NAME", "ironboa mini-MUD")
            .with("PLAYERS", &self.player_count().to_string())
            .with("UPTIME", &started.to_string())
            .with("CODEBASE", concat!("ironboa ", env!("CARGO_PKG_VERSION")))
            .with("GMCP", "1")
            .with("MSDP", "1")
            .with(
                "MCCP",
                if self
                    .world
                    .compression
                    .load(std::sync::atomic::Ordering::Relaxed)
                {
                    "1"
                } else {
                    "0"
                },
            )
            .with("ANSI", "0")
            .with("UTF-8", "1")
    }

    /// `base` with what the game needs: line mode, `WILL EOR`, `WILL GMCP` and `WILL MSDP`
    /// offered (and agreed to when the client asks first), MSSP answered, and with the `mccp`
    /// feature MCCP2 offered unless `base` refuses compression.
    pub fn config(&self, base: ServerConfig) -> ServerConfig {
        let mut policy = *base.get_policy();
        for option in [TelnetOption::EOR, TelnetOption::GMCP, TelnetOption::MSDP] {
            policy.local.insert(option);
        }
        let mut offers = base.get_offer_local().to_vec();
        for option in [TelnetOption::EOR, TelnetOption::GMCP, TelnetOption::MSDP] {
            if !offers.contains(&option) {
                offers.push(option);
            }
        }
        let mud = self.clone();
        // MCCP2 (the `mccp` feature): offered unless the configuration refuses it
        // (`--no-compression`); everything after `IAC SB MCCP2 IAC SE` is then compressed.
        #[cfg(feature = "mccp")]
        let base = {
            use crate::compress::Compression;
            let base = match base.get_compression() {
                Compression::Accept => base.compression(Compression::Offer),
                _ => base,
            };
            let offered = *base.get_compression() == Compression::Offer;
            self.world
                .compression
                .store(offered, std::sync::atomic::Ordering::Relaxed);
            base
        };
        base.character_mode(false)
            .policy(policy)
            .offer_local(&offers)
            .mssp(MsspSource::new(move || mud.status()))
    }

    /// The handler for [`BlockingTelnetServer::serve_forever`](crate::BlockingTelnetServer::serve_forever).
    pub fn handler(&self) -> impl Fn(ServerConnection) + Send + Sync + 'static {
        let mud = self.clone();
        move |connection| mud.play(connection)
    }

    /// Runs one player's session until they quit or leave.
    pub fn play(&self, connection: ServerConnection) {
        let mut game = Game {
            world: &self.world,
            connection: connection.clone(),
            msdp: MsdpServer::new(REPORTABLE),
            health: MAX_HEALTH,
            room: 0,
        };
        let result = game.run();
        self.world.players.lock().remove(&connection.id());
        if let Err(error) = result {
            log::debug!("{}: {error}", connection.addrport());
        }
    }
}

struct Game<'a> {
    world: &'a World,
    connection: ServerConnection,
    msdp: MsdpServer,
    health: i64,
    room: usize,
}

impl Game<'_> {
    fn run(&mut self) -> crate::Result<()> {
        let conn = self.connection.clone();
        conn.send("Welcome to the ironboa mini-MUD.\n")?;
        conn.send_prompt("By what name are you known? ")?;
        let name = match self.read_command()? {
            Some(line) => clean_name(&line),
            None => return Ok(()),
        };
        let name = if name.is_empty() {
            format!("Guest{}", conn.id().0)
        } else {
            name
        };
        self.world.players.lock().insert(
            conn.id(),
            Player {
                name: name.clone(),
                room: 0,
                connection: conn.clone(),
            },
        );
        conn.send(&format!("Hello, {name}. Type 'help' for the commands.\n"))?;
        self.tell_room(&format!("{name} arrives.\n"));
        self.look()?;
        self.send_vitals()?;
        loop {
            conn.send_prompt(&format!("<{}/{}hp> ", self.health, MAX_HEALTH))?;
            let Some(line) = self.read_command()? else {
                break;
            };
            let line = line.trim();
            let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
            let rest = rest.trim();
            match verb.to_ascii_lowercase().as_str() {
                "" => {}
                "look" | "l" => self.look()?,
                "say" | "'" => self.say(&name, rest)?,
                "who" => self.who()?,
                "help" => conn.send(
                    "look, north/south/east/west/up/down (n, s, e, w, u, d), say TEXT, who, \
                     quit\n",
                )?,
                "quit" => {
                    conn.send("Goodbye.\n")?;
                    self.tell_room(&format!("{name} leaves the game.\n"));
                    break;
                }
                direction => {
                    if !self.go(&name, direction)? {
                        conn.send("Huh? Type 'help' for the commands.\n")?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The next command line, answering GMCP and MSDP requests while it waits; `None` when
    /// the player has left.
    fn read_command(&mut self) -> crate::Result<Option<String>> {
        loop {
            self.answer_requests()?;
            match self.connection.readline(Some(POLL)) {
                Ok(line) => return Ok(Some(line)),
                Err(Error::Timeout { .. }) => {}
                Err(Error::LimitExceeded { .. }) => {
                    self.connection.send("That line is too long.\n")?;
                }
                Err(Error::Closed) => return Ok(None),
                Err(error) => return Err(error),
            }
        }
    }

    /// Answers the MSDP commands and GMCP messages that have arrived.
    fn answer_requests(&mut self) -> crate::Result<()> {
        while let Ok(event) = self.connection.next_event(Some(Duration::ZERO)) {
            match event {
                Event::Subnegotiation(Subnegotiation::Msdp(message)) => {
                    let room = self.room;
                    let health = self.health;
                    let reply = self
                        .msdp
                        .handle(&message, |name| msdp_value(name, room, health));
                    if !reply.vars.is_empty() {
                        self.connection.send_msdp(&reply)?;
                    }
                }
                Event::Subnegotiation(Subnegotiation::Gmcp(message)) => {
                    log::debug!("{}: GMCP {}", self.connection.addrport(), message.package);
                    if message.package.eq_ignore_ascii_case("Core.Supports.Set") {
                        // The client says what it wants: send the current state.
                        self.send_room_info()?;
                        self.send_vitals()?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn look(&mut self) -> crate::Result<()> {
        let room = &ROOMS[self.room];
        let exits: Vec<&str> = room.exits.iter().map(|(d, _)| *d).collect();
        let others: Vec<String> = self
            .world
            .players
            .lock()
            .iter()
            .filter(|(id, p)| **id != self.connection.id() && p.room == self.room)
            .map(|(_, p)| p.name.clone())
            .collect();
        let mut text = format!(
            "{}\n{}\nExits: {}.\n",
            room.name,
            room.description,
            exits.join(", ")
        );
        if !others.is_empty() {
            text.push_str(&format!("Here: {}.\n", others.join(", ")));
        }
        self.connection.send(&text)?;
        self.send_room_info()
    }

    /// GMCP `Room.Info`, and MSDP `ROOM` if reported.
    fn send_room_info(&mut self) -> crate::Result<()> {
        let room = &ROOMS[self.room];
        let exits: serde_json::Map<String, serde_json::Value> = room
            .exits
            .iter()
            .map(|(d, to)| (short(d).to_owned(), json!(to)))
            .collect();
        self.connection.send_gmcp(
            "Room.Info",
            &json!({"num": self.room, "name": room.name, "area": "town", "exits": exits}),
        )?;
        if self.msdp.is_reported("ROOM") {
            let value = msdp_value("ROOM", self.room, self.health).unwrap_or(MsdpValue::from(""));
            self.connection
                .send_msdp(&Msdp::new().with("ROOM", value))?;
        }
        Ok(())
    }

    /// GMCP `Char.Vitals`, and MSDP `HEALTH` if reported.
    fn send_vitals(&mut self) -> crate::Result<()> {
        self.connection.send_gmcp(
            "Char.Vitals",
            &json!({"hp": self.health, "maxhp": MAX_HEALTH}),
        )?;
        if self.msdp.is_reported("HEALTH") {
            self.connection
                .send_msdp(&Msdp::new().with("HEALTH", self.health))?;
        }
        Ok(())
    }

    fn go(&mut self, name: &str, direction: &str) -> crate::Result<bool> {
        let Some(full) = ["north", "south", "east", "west", "up", "down"]
            .into_iter()
            .find(|d| *d == direction || short(d) == direction)
        else {
            return Ok(false);
        };
        let Some(&(_, to)) = ROOMS[self.room].exits.iter().find(|(d, _)| *d == full) else {
            self.connection.send("You cannot go that way.\n")?;
            return Ok(true);
        };
        self.tell_room(&format!("{name} leaves {full}.\n"));
        self.room = to;
        if let Some(player) = self.world.players.lock().get_mut(&self.connection.id()) {
            player.room = to;
        }
        self.tell_room(&format!("{name} arrives.\n"));
        // Walking tires: a point of health each step, back to full at the square.
        self.health = if to == 0 {
            MAX_HEALTH
        } else {
            (self.health - 1).max(1)
        };
        self.look()?;
        self.send_vitals()?;
        Ok(true)
    }

    fn say(&mut self, name: &str, text: &str) -> crate::Result<()> {
        let text: String = text.chars().filter(|c| !c.is_control()).collect();
        if text.is_empty() {
            return self.connection.send("Say what?\n");
        }
        self.connection.send(&format!("You say, '{text}'\n"))?;
        self.tell_room(&format!("{name} says, '{text}'\n"));
        Ok(())
    }

    fn who(&mut self) -> crate::Result<()> {
        let players = self.world.players.lock();
        let mut text = format!("{} player(s) online:\n", players.len());
        for player in players.values() {
            text.push_str(&format!(
                "  {} ({})\n",
                player.name, ROOMS[player.room].name
            ));
        }
        drop(players);
        self.connection.send(&text)
    }

    /// Tells everyone else in this room, without waiting for any of them. The player list is
    /// let go before anything is sent: it is never held while a connection's locks are taken,
    /// so no order between the two kinds of lock can deadlock.
    fn tell_room(&self, text: &str) {
        let listeners: Vec<ServerConnection> = self
            .world
            .players
            .lock()
            .iter()
            .filter(|(id, player)| **id != self.connection.id() && player.room == self.room)
            .map(|(_, player)| player.connection.clone())
            .collect();
        for connection in listeners {
            let _ = connection.send_nowait(text);
        }
    }
}

/// A variable's MSDP value, for the reporter.
fn msdp_value(name: &str, room: usize, health: i64) -> Option<MsdpValue> {
    let here = &ROOMS[room];
    Some(match name {
        "ROOM" => MsdpValue::Table(vec![
            ("VNUM".into(), MsdpValue::from(room as i64)),
            ("NAME".into(), MsdpValue::from(here.name)),
            ("AREA".into(), MsdpValue::from("town")),
            (
                "EXITS".into(),
                MsdpValue::Table(
                    here.exits
                        .iter()
                        .map(|(d, to)| (short(d).to_owned(), MsdpValue::from(*to as i64)))
                        .collect(),
                ),
            ),
        ]),
        "ROOM_NAME" => MsdpValue::from(here.name),
        "ROOM_VNUM" => MsdpValue::from(room as i64),
        "HEALTH" => MsdpValue::from(health),
        "HEALTH_MAX" => MsdpValue::from(MAX_HEALTH),
        _ => return None,
    })
}

/// A direction's one-letter form.
fn short(direction: &str) -> &str {
    &direction[..1]
}

/// A player name: letters and digits only, at most [`MAX_NAME`], capitalised.
fn clean_name(line: &str) -> String {
    let name: String = line
        .chars()
        .filter(|c| c.is_alphanumeric())
        .take(MAX_NAME)
        .collect();
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
