//! A tiny authoritative DNS server for trying domain control by hand (README, "Domain
//! control"): it answers from a zone file re-read at every query, so that publishing a
//! record is appending a line. Lines: `<name> TXT <value>` or `<name> A <ipv4>`; other names
//! are NXDOMAIN. The answers are built by the tests' own DNS peer (`tests/api/dcv_peers.rs`).
//!
//! `cargo run --example dcv_dns -- 127.0.0.1:5353 /tmp/zone.txt`

use std::collections::HashMap;
use std::net::{Ipv4Addr, UdpSocket};

use hickory_proto::op::Message;

#[allow(dead_code)] // the HTTP peer and the zone editing are the tests'
#[path = "../tests/api/dcv_peers.rs"]
mod dcv_peers;

use dcv_peers::{answer, Zone};

/// The zone file's records, by name.
fn read_zone(path: &str) -> HashMap<String, Zone> {
    let mut zone: HashMap<String, Zone> = HashMap::new();
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        let mut parts = line.splitn(3, char::is_whitespace);
        let (Some(name), Some(kind), Some(value)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let entry = zone
            .entry(name.trim_end_matches('.').to_ascii_lowercase())
            .or_insert(Zone::Records {
                txt: vec![],
                a: vec![],
            });
        let Zone::Records { txt, a } = entry else {
            continue;
        };
        match (kind.to_ascii_uppercase().as_str(), value.trim()) {
            ("TXT", v) => txt.push(v.to_owned()),
            ("A", v) => a.extend(v.parse::<Ipv4Addr>()),
            _ => {}
        }
    }
    zone
}

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:5353".into());
    let zone = args.next().unwrap_or_else(|| "/tmp/zone.txt".into());
    let socket = UdpSocket::bind(&addr).expect("bind");
    println!("answering on {addr} from {zone}");
    let mut buf = [0u8; 1500];
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let Ok(query) = Message::from_vec(&buf[..n]) else {
            continue;
        };
        if let Some(bytes) = answer(&query, &read_zone(&zone)).and_then(|r| r.to_vec().ok()) {
            let _ = socket.send_to(&bytes, from);
        }
    }
}
