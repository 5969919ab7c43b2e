//! MUD clients, told by their terminal types.

/// Terminal types of MUD clients, lowercase: telnetlib3's list (`MUD_TERMINALS` in its
/// `fingerprinting.py`). TinTin++ reports `TINTIN++` first, Mudlet `MUDLET`, MUSHclient
/// `MUSHCLIENT`.
pub const MUD_TERMINALS: &[&str] = &[
    "mudlet",
    "cmud",
    "zmud",
    "mushclient",
    "atlantis",
    "tintin++",
    "tt++",
    "blowtorch",
    "mudrammer",
    "kildclient",
    "portal",
    "beip",
    "savitar",
];

/// Whether any of the terminal types a client reported (its TTYPE cycle) names a MUD client;
/// matched without regard to case, and on the name before a version (`"Mudlet 4.17"`).
///
/// ```
/// use ironboa::mud::is_mud_client;
///
/// assert!(is_mud_client(&["TINTIN++".into(), "xterm".into(), "MTTS 271".into()]));
/// assert!(is_mud_client(&["Mudlet 4.17.2".into()]));
/// assert!(!is_mud_client(&["xterm".into()]));
/// ```
pub fn is_mud_client(terminal_types: &[String]) -> bool {
    terminal_types.iter().any(|name| {
        let name = name.trim().to_ascii_lowercase();
        let first = name.split_whitespace().next().unwrap_or("");
        MUD_TERMINALS.contains(&name.as_str()) || MUD_TERMINALS.contains(&first)
    })
}
