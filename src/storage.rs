//! Where the uploaded justificatifs' bytes go: an [`object_store`] — a local directory by
//! default, an S3-compatible bucket in production (S3, MinIO, moto…). PostgreSQL keeps the
//! metadata only (`document_files`).
//!
//! The store is built on first use, not at start-up: the S3 client (its HTTP connection pool,
//! its TLS roots) costs memory that a process serving no upload should not pay, and it runs on
//! the runtime of the request that uses it — no runtime or thread of its own.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};

/// `STORAGE_URL` and the usual `AWS_*` variables.
#[derive(Clone, Default)]
pub struct StorageSettings {
    /// `STORAGE_URL`: a directory (`./data/uploads`, `file:///var/lib/certorder/uploads`) or
    /// a bucket with an optional prefix (`s3://bucket/prefix`).
    pub url: String,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (optional).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// `AWS_REGION` (or `AWS_DEFAULT_REGION`; default `us-east-1`).
    pub region: Option<String>,
    /// `AWS_ENDPOINT_URL`: an S3-compatible server (MinIO, moto), path-style requests.
    pub endpoint: Option<String>,
    /// `AWS_ALLOW_HTTP`: allow a plain-HTTP endpoint (a local MinIO or moto).
    pub allow_http: bool,
}

/// The default `STORAGE_URL`: a directory under the working directory.
pub const DEFAULT_STORAGE_URL: &str = "./data/uploads";

impl std::fmt::Debug for StorageSettings {
    // Written by hand: the secret key and the session token are never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: &Option<String>| if v.is_some() { "set" } else { "unset" };
        f.debug_struct("StorageSettings")
            .field("url", &self.url)
            .field("access_key_id", &set(&self.access_key_id))
            .field("secret_access_key", &set(&self.secret_access_key))
            .field("session_token", &set(&self.session_token))
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// Where `STORAGE_URL` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Directory(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl Location {
    /// `s3://bucket[/prefix]`, `file:///abs/dir`, or a plain path (relative to the working
    /// directory). Anything else is refused.
    pub fn parse(url: &str) -> Result<Location, String> {
        let url = url.trim();
        if url.is_empty() {
            return Ok(Location::Directory(PathBuf::from(DEFAULT_STORAGE_URL)));
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(format!("{url}: no bucket named (s3://bucket/prefix)"));
            }
            return Ok(Location::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.trim_matches('/').to_owned(),
            });
        }
        if let Some(rest) = url.strip_prefix("file://") {
            // file:///abs/path, or file://./relative as a convenience
            if rest.is_empty() {
                return Err(format!("{url}: no directory named"));
            }
            return Ok(Location::Directory(PathBuf::from(rest)));
        }
        if url.contains("://") {
            return Err(format!(
                "{url}: unsupported scheme (a directory, file:///dir or s3://bucket/prefix)"
            ));
        }
        Ok(Location::Directory(PathBuf::from(url)))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The store did not answer, or refused (a network failure, a bad key, a full disk).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// No object under this key.
    #[error("object not found")]
    NotFound,
    /// The settings cannot make a store (a bucket the builder refuses, a directory that
    /// cannot be created).
    #[error("storage configuration: {0}")]
    Config(String),
}

impl From<object_store::Error> for StorageError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => StorageError::NotFound,
            other => {
                // the whole chain: "HTTP error" alone says nothing of the cause
                let mut text = other.to_string();
                let mut source = std::error::Error::source(&other);
                while let Some(cause) = source {
                    text.push_str(&format!(": {cause}"));
                    source = cause.source();
                }
                StorageError::Unavailable(text)
            }
        }
    }
}

/// A stored object's bytes, as a stream, with its size.
pub struct Download {
    pub size: u64,
    pub stream: BoxStream<'static, Result<Bytes, StorageError>>,
}

/// The object store, built on first use and shared by every clone.
#[derive(Clone)]
pub struct Storage {
    inner: Arc<Inner>,
}

struct Inner {
    settings: StorageSettings,
    location: Location,
    store: Mutex<Option<Arc<dyn ObjectStore>>>,
}

impl Storage {
    pub fn new(settings: StorageSettings) -> Result<Self, StorageError> {
        let location = Location::parse(&settings.url).map_err(StorageError::Config)?;
        Ok(Storage {
            inner: Arc::new(Inner {
                settings,
                location,
                store: Mutex::new(None),
            }),
        })
    }

    /// A store over a directory (tests).
    pub fn directory(dir: impl Into<PathBuf>) -> Self {
        let dir: PathBuf = dir.into();
        Storage {
            inner: Arc::new(Inner {
                settings: StorageSettings {
                    url: dir.to_string_lossy().into_owned(),
                    ..StorageSettings::default()
                },
                location: Location::Directory(dir),
                store: Mutex::new(None),
            }),
        }
    }

    pub fn location(&self) -> &Location {
        &self.inner.location
    }

    /// The store, built now if it was not yet. A failure is not kept: the next call tries
    /// again (a directory created meanwhile, a fixed mount).
    fn store(&self) -> Result<Arc<dyn ObjectStore>, StorageError> {
        let mut slot = self
            .inner
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let store = build(&self.inner.settings, &self.inner.location)?;
        *slot = Some(store.clone());
        Ok(store)
    }

    /// Writes an object (the chunks as they came, not copied).
    pub async fn put(&self, key: &str, chunks: Vec<Bytes>) -> Result<(), StorageError> {
        let store = self.store()?;
        let payload: PutPayload = chunks.into_iter().collect();
        store.put(&path(key)?, payload).await?;
        Ok(())
    }

    /// An object's bytes, streamed.
    pub async fn get(&self, key: &str) -> Result<Download, StorageError> {
        let store = self.store()?;
        let result = store.get(&path(key)?).await?;
        let size = result.meta.size;
        let stream = result
            .into_stream()
            .map(|chunk| chunk.map_err(StorageError::from))
            .boxed();
        Ok(Download { size, stream })
    }

    /// Removes an object; one already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let store = self.store()?;
        match store.delete(&path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The key of an uploaded file: `orders/{order}/{code}/{file}` (each part encoded by
/// `object_store`; the client's file name is never part of it).
pub fn file_key(order: uuid::Uuid, code: &str, file: uuid::Uuid) -> String {
    Path::from_iter(["orders", &order.to_string(), code, &file.to_string()]).to_string()
}

fn path(key: &str) -> Result<Path, StorageError> {
    Path::parse(key).map_err(|e| StorageError::Config(format!("stored key {key:?}: {e}")))
}

fn build(
    settings: &StorageSettings,
    location: &Location,
) -> Result<Arc<dyn ObjectStore>, StorageError> {
    match location {
        Location::Directory(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| StorageError::Config(format!("{}: {e}", dir.display())))?;
            let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
                .map_err(|e| StorageError::Config(e.to_string()))?;
            tracing::info!(directory = %dir.display(), "file storage: local directory");
            Ok(Arc::new(store))
        }
        Location::S3 { bucket, prefix } => {
            use object_store::aws::AmazonS3Builder;
            use object_store::{BackoffConfig, ClientOptions, RetryConfig};
            let mut builder = AmazonS3Builder::new()
                .with_bucket_name(bucket)
                .with_region(settings.region.as_deref().unwrap_or("us-east-1"))
                // a request never waits minutes for a store that is down
                .with_retry(RetryConfig {
                    backoff: BackoffConfig::default(),
                    max_retries: 2,
                    retry_timeout: Duration::from_secs(10),
                })
                // (allow_http is a client option: set here, not replaced by these)
                .with_client_options(
                    ClientOptions::new()
                        .with_allow_http(settings.allow_http)
                        .with_connect_timeout(Duration::from_secs(5))
                        .with_timeout(Duration::from_secs(60))
                        .with_pool_max_idle_per_host(4),
                );
            if let Some(v) = &settings.access_key_id {
                builder = builder.with_access_key_id(v);
            }
            if let Some(v) = &settings.secret_access_key {
                builder = builder.with_secret_access_key(v);
            }
            if let Some(v) = &settings.session_token {
                builder = builder.with_token(v);
            }
            if let Some(v) = &settings.endpoint {
                builder = builder.with_endpoint(v);
            }
            let s3 = builder
                .build()
                .map_err(|e| StorageError::Config(e.to_string()))?;
            tracing::info!(bucket = %bucket, prefix = %prefix, endpoint = ?settings.endpoint, "file storage: S3");
            if prefix.is_empty() {
                Ok(Arc::new(s3))
            } else {
                Ok(Arc::new(object_store::prefix::PrefixStore::new(
                    s3,
                    prefix.as_str(),
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_urls_name_a_directory_or_a_bucket_and_nothing_else() {
        assert_eq!(
            Location::parse("").unwrap(),
            Location::Directory(DEFAULT_STORAGE_URL.into())
        );
        assert_eq!(
            Location::parse("./data/uploads").unwrap(),
            Location::Directory("./data/uploads".into())
        );
        assert_eq!(
            Location::parse("file:///var/lib/certorder").unwrap(),
            Location::Directory("/var/lib/certorder".into())
        );
        assert_eq!(
            Location::parse("s3://justificatifs/prod/").unwrap(),
            Location::S3 {
                bucket: "justificatifs".into(),
                prefix: "prod".into()
            }
        );
        assert_eq!(
            Location::parse("s3://justificatifs").unwrap(),
            Location::S3 {
                bucket: "justificatifs".into(),
                prefix: String::new()
            }
        );
        assert!(Location::parse("s3:///x").is_err());
        assert!(Location::parse("gs://bucket").is_err());
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let s = StorageSettings {
            url: "s3://b".into(),
            access_key_id: Some("AKIAEXAMPLE".into()),
            secret_access_key: Some("wJalrXUtnFEMI/K7MDENG".into()),
            session_token: Some("FwoGZXIvYXdzEBY".into()),
            ..StorageSettings::default()
        };
        let text = format!("{s:?}");
        assert!(!text.contains("wJalr") && !text.contains("FwoGZ") && !text.contains("AKIA"));
    }

    #[test]
    fn keys_are_built_from_ids_and_the_code_only() {
        let o = uuid::Uuid::nil();
        assert_eq!(
            file_key(o, "extrait_kbis", o),
            format!("orders/{o}/extrait_kbis/{o}")
        );
        assert!(Path::parse(file_key(o, "../x", o)).is_ok());
    }
}
