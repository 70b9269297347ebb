//! What an uploaded justificatif must be (SPEC §8): a PDF, JPEG or PNG file, not empty, at
//! most the configured size, its type sniffed from its bytes and agreeing with what the
//! client declared (the part's `Content-Type` and the file name's extension: a PDF named
//! `.png` is refused). Pure: the bytes are given, nothing is read or written here.

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::domain::shared::issue::{Code, FieldIssue};

/// Where the problems of the file are reported: the multipart form's `file` part.
pub const POINTER: &str = "/file";

/// The types a justificatif may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    /// The media type, as stored and as served back.
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }

    pub fn from_mime(mime: &str) -> Option<FileKind> {
        match mime {
            "application/pdf" => Some(FileKind::Pdf),
            "image/jpeg" => Some(FileKind::Jpeg),
            "image/png" => Some(FileKind::Png),
            _ => None,
        }
    }

    /// The file name extensions that name this type (lowercase), the first the canonical one.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Png => &["png"],
        }
    }

    /// Media types a client may declare for this type (besides the canonical one).
    fn declared_aliases(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["application/x-pdf"],
            FileKind::Jpeg => &["image/jpg", "image/pjpeg"],
            FileKind::Png => &["image/x-png"],
        }
    }

    /// The type the bytes are, by their magic number (`infer`), if it is one of the allowed.
    pub fn sniff(head: &[u8]) -> Option<FileKind> {
        infer::get(head).and_then(|t| FileKind::from_mime(t.mime_type()))
    }
}

/// A file's bytes as received, a chunk at a time: counted against the limit, hashed, and
/// copied into blocks of [`BLOCK`] bytes. (A chunk the HTTP layer hands over is a slice of a
/// larger read buffer: kept as it came, each would hold its whole buffer alive — several
/// times the file's size in memory.)
#[derive(Debug)]
pub struct Received {
    limit: u64,
    size: u64,
    chunks: Vec<Bytes>,
    current: bytes::BytesMut,
    hasher: Sha256,
}

/// The size of the blocks a received file is kept in.
pub const BLOCK: usize = 1024 * 1024;

/// The file passed the limit (in bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("file larger than {limit} bytes")]
pub struct TooLarge {
    pub limit: u64,
}

impl Received {
    pub fn new(limit: u64) -> Self {
        Received {
            limit,
            size: 0,
            chunks: Vec::new(),
            current: bytes::BytesMut::new(),
            hasher: Sha256::new(),
        }
    }

    /// Adds a chunk; refuses it, keeping nothing more, once the total passes the limit.
    pub fn push(&mut self, chunk: Bytes) -> Result<(), TooLarge> {
        let size = self.size + chunk.len() as u64;
        if size > self.limit {
            self.chunks = Vec::new();
            self.current = bytes::BytesMut::new();
            return Err(TooLarge { limit: self.limit });
        }
        self.size = size;
        self.hasher.update(&chunk);
        let mut rest = &chunk[..];
        while !rest.is_empty() {
            if self.current.capacity() == self.current.len() {
                self.seal();
                self.current.reserve(BLOCK);
            }
            let room = self.current.capacity() - self.current.len();
            let (now, later) = rest.split_at(room.min(rest.len()));
            self.current.extend_from_slice(now);
            rest = later;
        }
        Ok(())
    }

    /// Moves the block being filled to the list.
    fn seal(&mut self) {
        if !self.current.is_empty() {
            self.chunks.push(std::mem::take(&mut self.current).freeze());
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The first bytes (enough for any magic number: a block is larger than any).
    pub fn head(&self) -> &[u8] {
        const HEAD: usize = 8192;
        let first = self.chunks.first().map_or(&self.current[..], |c| &c[..]);
        &first[..first.len().min(HEAD)]
    }

    /// The SHA-256 of everything pushed (lowercase hex) and the blocks.
    pub fn finish(mut self) -> (String, Vec<Bytes>) {
        self.seal();
        (hex::encode(self.hasher.finalize()), self.chunks)
    }
}

/// What the client said about the file: the part's `Content-Type` and file name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declared {
    pub content_type: Option<String>,
    pub file_name: Option<String>,
}

/// The file's type, or the rule it breaks: empty, not an allowed type, or not the type the
/// client declared.
pub fn check_file(head: &[u8], size: u64, declared: &Declared) -> Result<FileKind, FieldIssue> {
    let issue = |code: Code, fr: String, en: String| FieldIssue::new(POINTER, code, fr, en);
    if size == 0 {
        return Err(issue(
            Code::FileEmpty,
            Code::FileEmpty.fr().into(),
            Code::FileEmpty.en().into(),
        ));
    }
    let Some(kind) = FileKind::sniff(head) else {
        return Err(issue(
            Code::FileTypeNotAllowed,
            Code::FileTypeNotAllowed.fr().into(),
            Code::FileTypeNotAllowed.en().into(),
        ));
    };
    let what = match kind {
        FileKind::Pdf => "PDF",
        FileKind::Jpeg => "JPEG",
        FileKind::Png => "PNG",
    };
    if let Some(ct) = declared.content_type.as_deref() {
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let agrees = mime.is_empty()
            || mime == "application/octet-stream"
            || mime == kind.mime()
            || kind.declared_aliases().contains(&mime.as_str());
        if !agrees {
            return Err(issue(
                Code::FileTypeMismatch,
                format!("Le fichier est un {what}, mais il est déclaré « {mime} »."),
                format!("The file is a {what}, but it is declared as \"{mime}\"."),
            ));
        }
    }
    if let Some(ext) = declared.file_name.as_deref().and_then(extension) {
        if !kind.extensions().contains(&ext.as_str()) {
            return Err(issue(
                Code::FileTypeMismatch,
                format!("Le fichier est un {what}, mais son nom se termine par « .{ext} »."),
                format!("The file is a {what}, but its name ends in \".{ext}\"."),
            ));
        }
    }
    Ok(kind)
}

/// The extension of a file name, lowercase, if it has one.
fn extension(name: &str) -> Option<String> {
    let base = base_name(name);
    let (stem, ext) = base.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// The last component of a path a client sent (`C:\scans\kbis.pdf` → `kbis.pdf`).
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// The longest original file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// The client's file name as kept (metadata only): its last path component, without control
/// characters, at most [`MAX_NAME_CHARS`]; none when nothing is left.
pub fn clean_original_name(name: &str) -> Option<String> {
    let cleaned: String = base_name(name)
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    (!cleaned.is_empty() && cleaned != "." && cleaned != "..").then_some(cleaned)
}

/// A file name safe in a `Content-Disposition` header: the justificatif's code and the
/// type's extension (`extrait_kbis.pdf`), ASCII only, whatever the client called it.
pub fn download_name(code: &str, kind: FileKind) -> String {
    let stem: String = code
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let stem = if stem.is_empty() {
        "document".into()
    } else {
        stem
    };
    format!("{stem}.{}", kind.extensions()[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d,
    ];
    const JPEG: &[u8] = &[0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J', b'F', b'I', b'F', 0];

    fn declared(ct: Option<&str>, name: Option<&str>) -> Declared {
        Declared {
            content_type: ct.map(str::to_owned),
            file_name: name.map(str::to_owned),
        }
    }

    fn code(r: Result<FileKind, FieldIssue>) -> Code {
        let issue = r.unwrap_err();
        assert_eq!(issue.pointer, POINTER);
        issue.code
    }

    #[test]
    fn pdf_jpeg_and_png_are_recognized_by_their_bytes() {
        let d = Declared::default();
        assert_eq!(check_file(PDF, 10, &d), Ok(FileKind::Pdf));
        assert_eq!(check_file(PNG, 10, &d), Ok(FileKind::Png));
        assert_eq!(check_file(JPEG, 10, &d), Ok(FileKind::Jpeg));
        let named = declared(Some("image/jpg"), Some("Scan Kbis.JPEG"));
        assert_eq!(check_file(JPEG, 10, &named), Ok(FileKind::Jpeg));
        let generic = declared(Some("application/octet-stream"), Some("kbis"));
        assert_eq!(check_file(PDF, 10, &generic), Ok(FileKind::Pdf));
    }

    #[test]
    fn empty_files_other_types_and_disagreeing_declarations_are_refused() {
        let d = Declared::default();
        assert_eq!(code(check_file(b"", 0, &d)), Code::FileEmpty);
        assert_eq!(
            code(check_file(b"hello, world", 12, &d)),
            Code::FileTypeNotAllowed
        );
        // a GIF is an image, not an allowed one
        assert_eq!(
            code(check_file(b"GIF89a....", 10, &d)),
            Code::FileTypeNotAllowed
        );
        // a PDF named .png, or declared image/png
        let named_png = declared(Some("application/pdf"), Some("kbis.png"));
        assert_eq!(
            code(check_file(PDF, 10, &named_png)),
            Code::FileTypeMismatch
        );
        let typed_png = declared(Some("image/png"), Some("kbis.pdf"));
        assert_eq!(
            code(check_file(PDF, 10, &typed_png)),
            Code::FileTypeMismatch
        );
        let exe = declared(None, Some("kbis.pdf.exe"));
        assert_eq!(code(check_file(PDF, 10, &exe)), Code::FileTypeMismatch);
    }

    #[test]
    fn the_limit_is_enforced_chunk_by_chunk_and_the_digest_covers_every_byte() {
        let mut r = Received::new(10);
        r.push(Bytes::from_static(b"%PDF-")).unwrap();
        r.push(Bytes::from_static(b"1.7")).unwrap();
        assert_eq!(r.size(), 8);
        assert_eq!(r.head(), b"%PDF-1.7");
        let (sha, chunks) = r.finish();
        assert_eq!(sha, hex::encode(Sha256::digest(b"%PDF-1.7")));
        assert_eq!(chunks, [Bytes::from_static(b"%PDF-1.7")]);
        // large files are kept in blocks, whatever the chunks they came in
        let mut r = Received::new(10 * BLOCK as u64);
        let data: Vec<u8> = (0..(2 * BLOCK + 100)).map(|i| (i % 251) as u8).collect();
        for piece in data.chunks(7777) {
            r.push(Bytes::copy_from_slice(piece)).unwrap();
        }
        let (sha, chunks) = r.finish();
        assert_eq!(sha, hex::encode(Sha256::digest(&data)));
        assert_eq!(
            chunks.iter().map(|c| c.len()).collect::<Vec<_>>(),
            [BLOCK, BLOCK, 100]
        );
        assert_eq!(chunks.concat(), data);
        let mut r = Received::new(10);
        r.push(Bytes::from_static(b"0123456789")).unwrap();
        assert_eq!(
            r.push(Bytes::from_static(b"x")),
            Err(TooLarge { limit: 10 })
        );
    }

    #[test]
    fn names_are_kept_as_metadata_and_never_used_as_given() {
        assert_eq!(
            clean_original_name("C:\\scans\\kbis\u{0}.pdf").as_deref(),
            Some("kbis.pdf")
        );
        assert_eq!(
            clean_original_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(clean_original_name("/tmp/.."), None);
        assert_eq!(clean_original_name("   "), None);
        assert_eq!(
            clean_original_name(&"é".repeat(300))
                .unwrap()
                .chars()
                .count(),
            MAX_NAME_CHARS
        );
        assert_eq!(
            download_name("extrait_kbis", FileKind::Pdf),
            "extrait_kbis.pdf"
        );
        assert_eq!(download_name("a\"b;c", FileKind::Png), "a_b_c.png");
    }
}
