//! One DynamoDB client per region of the main account, each built on first use from one template
//! configuration, so every region shares ONE credentials provider and ONE identity cache.
//!
//! Why that takes care: the SDK's lazy identity cache keys what it holds by the resolver's cache
//! partition, and `SharedCredentialsProvider::new` makes a new partition each time. Setting the
//! provider once on the template (and cloning the template) keeps one partition; setting one
//! identity cache on it keeps one cache (without it every client gets a cache of its own). Both
//! together: the AssumeRole made for one region's call serves every region until it nears expiry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_config::Region;
use aws_sdk_dynamodb::config::Builder;
use aws_sdk_dynamodb::Client;

/// The clients by region. The home region's (TABLE_REGION) is built at start; any other when a
/// request first names it (a region no request names costs nothing).
#[derive(Clone)]
pub struct Clients {
    template: Arc<Builder>,
    home_region: Arc<str>,
    home: Client,
    others: Arc<Mutex<HashMap<String, Client>>>,
}

impl Clients {
    /// `template` carries the credentials provider, the identity cache and the call policy; its
    /// region is replaced per client.
    pub fn new(template: Builder, home_region: &str) -> Clients {
        let home = Client::from_conf(template.clone().region(Region::new(home_region.to_string())).build());
        Clients { template: Arc::new(template), home_region: home_region.into(), home, others: Arc::default() }
    }

    /// Clients for the region of `client` and any other, on `client`'s configuration (tests hand in
    /// one client built on a mock HTTP client).
    fn from_client(client: Client) -> Clients {
        let region = client.config().region().map_or_else(|| "us-east-1".to_string(), |r| r.to_string());
        Clients {
            template: Arc::new(client.config().to_builder()),
            home_region: region.into(),
            home: client,
            others: Arc::default(),
        }
    }

    pub fn home(&self) -> &Client {
        &self.home
    }

    pub fn home_region(&self) -> &str {
        &self.home_region
    }

    /// The client for `region`, built now if no call has used that region yet. Building a client is
    /// synchronous and makes no call (no connection, no credentials), so a plain mutex serves.
    pub fn get(&self, region: &str) -> Client {
        if region == &*self.home_region {
            return self.home.clone();
        }
        let mut others = self.others.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        others
            .entry(region.to_string())
            .or_insert_with(|| {
                tracing::info!(region, "first call in this region: building its DynamoDB client");
                Client::from_conf((*self.template).clone().region(Region::new(region.to_string())).build())
            })
            .clone()
    }

    /// The regions with a client so far (the home region first).
    pub fn regions(&self) -> Vec<String> {
        let others = self.others.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut rest: Vec<String> = others.keys().cloned().collect();
        rest.sort();
        std::iter::once(self.home_region.to_string()).chain(rest).collect()
    }
}

impl From<Client> for Clients {
    fn from(client: Client) -> Clients {
        Clients::from_client(client)
    }
}
