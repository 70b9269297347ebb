//! A tiny authoritative DNS server for trying domain control by hand (README, "Domain
//! control"): it answers from a zone file re-read at every query, so that publishing a
//! record is appending a line. Lines: `<name> TXT <value>` or `<name> A <ipv4>`; other names
//! are NXDOMAIN.
//!
//! `cargo run --example dcv_dns -- 127.0.0.1:5353 /tmp/zone.txt`

use std::net::{Ipv4Addr, UdpSocket};

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};

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
        let Some(q) = query.queries().first().cloned() else {
            continue;
        };
        let name = q
            .name()
            .to_ascii()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let text = std::fs::read_to_string(&zone).unwrap_or_default();
        let lines: Vec<(String, String, String)> = text
            .lines()
            .filter_map(|l| {
                let mut parts = l.splitn(3, char::is_whitespace);
                Some((
                    parts.next()?.trim_end_matches('.').to_ascii_lowercase(),
                    parts.next()?.to_ascii_uppercase(),
                    parts.next()?.trim().to_owned(),
                ))
            })
            .collect();
        let mut reply = Message::new();
        reply
            .set_id(query.id())
            .set_message_type(MessageType::Response)
            .set_op_code(query.op_code())
            .set_recursion_desired(query.recursion_desired())
            .set_recursion_available(true)
            .set_authoritative(true)
            .add_query(q.clone());
        let owner = Name::from_ascii(format!("{name}.")).expect("a name");
        let here: Vec<_> = lines.iter().filter(|l| l.0 == name).collect();
        if here.is_empty() {
            reply.set_response_code(ResponseCode::NXDomain);
        }
        for (_, kind, value) in here {
            let rdata = match (kind.as_str(), q.query_type()) {
                ("TXT", RecordType::TXT) => RData::TXT(TXT::new(vec![value.clone()])),
                ("A", RecordType::A) => match value.parse::<Ipv4Addr>() {
                    Ok(ip) => RData::A(A(ip)),
                    Err(_) => continue,
                },
                _ => continue,
            };
            reply.add_answer(Record::from_rdata(owner.clone(), 1, rdata));
        }
        if let Ok(bytes) = reply.to_vec() {
            let _ = socket.send_to(&bytes, from);
        }
    }
}
