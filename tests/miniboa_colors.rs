//! miniboa's caret colour codes and word wrapping, checked against miniboa's own functions
//! (`miniboa.xterm.colorize`, `strip_caret_codes` and `word_wrap`, from the peers venv) for the
//! same inputs.

mod support;

use std::process::Command;

use ironboa::server::{caret_to_ansi, strip_caret_codes, wrap_paragraphs};

const INPUTS: &[&str] = &[
    "^rred^d ^^ plain",
    "^k^K^r^R^g^G^y^Y^b^B^m^M^c^C^w^W",
    "^0^1^2^3^4^5^6^7^d",
    "^I inverse ^i ^U under ^u ^! bold ^. ^~ reset ^s ^l",
    "^^^k ^ ^z ^",
    "caf\u{e9} ^Gv\u{e9}rt^~ \u{263a}",
    "",
    "The quick brown fox jumps over the lazy dog, and then it jumps over the lazy dog again \
     because the dog is still lazy.\n\nA second paragraph,\nwith a single newline inside it.\n \n\nThird.",
    "   leading and trailing spaces   ",
    "a-very-long-word-that-is-longer-than-the-whole-line-for-sure-really-it-is and short",
    "^Rcoloured^~ words count ^Gas^~ miniboa counts them in its widths",
];

const WIDTHS: &[usize] = &[80, 20, 7];

/// Runs miniboa's functions on every input: one hex-encoded UTF-8 result per line.
fn miniboa_results() -> Option<Vec<String>> {
    let python = support::peers::python()?;
    let script = r#"
import sys
from miniboa.xterm import colorize, strip_caret_codes, word_wrap
inputs = [bytes.fromhex(h).decode() for h in sys.argv[1:]]
for width in (80, 20, 7):
    for text in inputs:
        print("\x1e".join(word_wrap(text, width)).encode().hex())
for text in inputs:
    print(colorize(text, True).encode().hex())
    print(colorize(text, False).encode().hex())
    print(strip_caret_codes(text).encode().hex())
"#;
    let output = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(INPUTS.iter().map(|t| hex(t.as_bytes())))
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|line| String::from_utf8(unhex(line)).unwrap())
            .collect(),
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn caret_codes_and_wrapping_match_miniboa() {
    let Some(expected) = miniboa_results() else {
        return;
    };
    let mut ours = Vec::new();
    for &width in WIDTHS {
        for text in INPUTS {
            ours.push(wrap_paragraphs(text, width, 4, 2).join("\u{1e}"));
        }
    }
    for text in INPUTS {
        ours.push(caret_to_ansi(text));
        ours.push(strip_caret_codes(text));
        ours.push(strip_caret_codes(text));
    }
    assert_eq!(ours.len(), expected.len());
    for (i, (got, want)) in ours.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "result {i}");
    }
}
