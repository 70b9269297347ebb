//! Real protocol peers on loopback for the domain control tests: a small authoritative DNS
//! server (UDP, built with `hickory-proto`) whose zone a test edits while it runs, and a
//! small HTTP server (std `TcpListener`) whose files a test edits.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};

/// What the DNS server answers for a name.
#[derive(Debug, Clone)]
pub enum Zone {
    /// These records (TXT values, A addresses).
    Records { txt: Vec<String>, a: Vec<Ipv4Addr> },
    /// SERVFAIL.
    ServFail,
    /// No answer at all (the resolver times out).
    Silent,
}

/// An authoritative DNS server on 127.0.0.1: unknown names are NXDOMAIN.
pub struct TestDns {
    pub addr: SocketAddr,
    zone: Arc<Mutex<HashMap<String, Zone>>>,
}

impl TestDns {
    pub fn start() -> TestDns {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let zone: Arc<Mutex<HashMap<String, Zone>>> = Arc::default();
        let z = zone.clone();
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 1500];
            // bounded: the test process ends it; each test's server serves at most 10 min
            let until = std::time::Instant::now() + Duration::from_secs(600);
            while std::time::Instant::now() < until {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let Ok(query) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                if let Some(reply) = answer(&query, &z.lock().unwrap()) {
                    let _ = socket.send_to(&reply.to_vec().unwrap(), from);
                }
            }
        });
        TestDns { addr, zone }
    }

    /// Sets what `name` answers.
    pub fn set(&self, name: &str, zone: Zone) {
        self.zone
            .lock()
            .unwrap()
            .insert(name.trim_end_matches('.').to_ascii_lowercase(), zone);
    }

    pub fn txt(&self, name: &str, values: &[&str]) {
        self.set(
            name,
            Zone::Records {
                txt: values.iter().map(|v| v.to_string()).collect(),
                a: vec![],
            },
        );
    }

    pub fn a(&self, name: &str, ip: Ipv4Addr) {
        self.set(
            name,
            Zone::Records {
                txt: vec![],
                a: vec![ip],
            },
        );
    }
}

/// The reply to `query` from `zone` (`None`: no answer at all). Also the by-hand server of
/// `examples/dcv_dns.rs`.
pub fn answer(query: &Message, zone: &HashMap<String, Zone>) -> Option<Message> {
    let q = query.queries().first()?.clone();
    let name = q
        .name()
        .to_ascii()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let mut reply = Message::new();
    reply
        .set_id(query.id())
        .set_message_type(MessageType::Response)
        .set_op_code(query.op_code())
        .set_recursion_desired(query.recursion_desired())
        .set_recursion_available(true)
        .set_authoritative(true)
        .add_query(q.clone());
    let owner = Name::from_ascii(format!("{name}.")).ok()?;
    match zone.get(&name) {
        None => {
            reply.set_response_code(ResponseCode::NXDomain);
        }
        Some(Zone::Silent) => return None,
        Some(Zone::ServFail) => {
            reply.set_response_code(ResponseCode::ServFail);
        }
        Some(Zone::Records { txt, a }) => {
            reply.set_response_code(ResponseCode::NoError);
            match q.query_type() {
                RecordType::TXT => {
                    for v in txt {
                        reply.add_answer(Record::from_rdata(
                            owner.clone(),
                            1,
                            RData::TXT(TXT::new(vec![v.clone()])),
                        ));
                    }
                }
                RecordType::A => {
                    for ip in a {
                        reply.add_answer(Record::from_rdata(owner.clone(), 1, RData::A(A(*ip))));
                    }
                }
                _ => {}
            }
        }
    }
    Some(reply)
}

/// What the HTTP server answers for a path: status, extra headers, body.
pub type Page = (u16, Vec<(String, String)>, Vec<u8>);

/// A tiny HTTP/1.1 server on 127.0.0.1: unknown paths are 404.
pub struct TestHttp {
    pub port: u16,
    pages: Arc<Mutex<HashMap<String, Page>>>,
}

impl TestHttp {
    pub fn start() -> TestHttp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let pages: Arc<Mutex<HashMap<String, Page>>> = Arc::default();
        let p = pages.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(200) {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&req);
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, headers, body) = p.lock().unwrap().get(&path).cloned().unwrap_or((
                    404,
                    vec![],
                    b"not found".to_vec(),
                ));
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                    body.len()
                );
                for (k, v) in headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        TestHttp { port, pages }
    }

    pub fn set(&self, path: &str, status: u16, headers: &[(&str, &str)], body: &[u8]) {
        self.pages.lock().unwrap().insert(
            path.to_owned(),
            (
                status,
                headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                body.to_vec(),
            ),
        );
    }
}
