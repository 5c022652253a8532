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

use crate::wire::error::AppError;

/// Regions besides the home region one process keeps clients for: more than AWS has in a partition.
pub const MAX_OTHER_REGIONS: usize = 40;

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
    pub fn get(&self, region: &str) -> Result<Client, AppError> {
        if region == &*self.home_region {
            return Ok(self.home.clone());
        }
        let mut others = self.others.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = others.get(region) {
            return Ok(client.clone());
        }
        // Requests choose the region: without a bound, requests naming made-up regions would grow
        // the map without end.
        if others.len() >= MAX_OTHER_REGIONS {
            return Err(AppError::invalid(
                "region",
                format!(
                    "`{region}` would be one region more than this process serves ({MAX_OTHER_REGIONS} besides TABLE_REGION); is the region name right?"
                ),
            ));
        }
        tracing::info!(region, "first call in this region: building its DynamoDB client");
        let client = Client::from_conf((*self.template).clone().region(Region::new(region.to_string())).build());
        others.insert(region.to_string(), client.clone());
        Ok(client)
    }
}

impl From<Client> for Clients {
    fn from(client: Client) -> Clients {
        Clients::from_client(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_client_per_region_and_a_bound_on_how_many() {
        let conf = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(Region::new("us-east-1"));
        let clients = Clients::new(conf, "us-east-1");
        assert_eq!(clients.get("us-east-1").unwrap().config().region().unwrap().as_ref(), "us-east-1");
        let west = clients.get("us-west-2").unwrap();
        assert_eq!(west.config().region().unwrap().as_ref(), "us-west-2");
        for i in 1..MAX_OTHER_REGIONS {
            clients.get(&format!("xx-test-{i}")).unwrap();
        }
        assert!(clients.get("us-west-2").is_ok(), "a region with a client is always served");
        let e = clients.get("xx-test-999").unwrap_err().to_string();
        assert!(e.contains("`region`") && e.contains("xx-test-999"), "{e}");
    }
}
