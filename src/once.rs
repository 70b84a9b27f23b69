//! Work done once per key, however many tasks ask for it at the same time.
//!
//! The audit asks the same questions of a site from many pages at once: "is this nonce
//! accepted?", "which REST root answers?", "what is the site's UTC offset?". Each must cost one
//! request per key, not one per page, and pages asking while the answer is on its way must wait
//! for that answer instead of sending their own. [`OnceMap`] is that rule, written once.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use tokio::sync::{Mutex, OnceCell};

/// A map from keys to values computed at most once each (see the module documentation).
pub struct OnceMap<K, V> {
    cells: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for OnceMap<K, V> {
    fn default() -> Self {
        Self {
            cells: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> OnceMap<K, V> {
    /// The value for `key`: computed by `init` for the first caller, waited for by callers that
    /// come while it runs, cloned for everyone.
    pub async fn get_or_init<F, Fut>(&self, key: K, init: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let cell = {
            let mut map = self.cells.lock().await;
            Arc::clone(map.entry(key).or_default())
        };
        cell.get_or_init(init).await.clone()
    }

    /// The first value already computed for which `pick` gives `Some`, in no particular order.
    pub async fn find_map<T>(&self, pick: impl Fn(&V) -> Option<T>) -> Option<T> {
        let map = self.cells.lock().await;
        map.values().find_map(|c| c.get().and_then(&pick))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_callers_share_one_computation_per_key() {
        let map: Arc<OnceMap<&'static str, usize>> = Arc::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..16 {
            let (map, runs) = (Arc::clone(&map), Arc::clone(&runs));
            let key = if i % 2 == 0 { "a" } else { "b" };
            tasks.push(tokio::spawn(async move {
                map.get_or_init(key, || async {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    key.len() * 10
                })
                .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 10);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 2, "one computation per key");
        assert_eq!(map.find_map(|v| (*v == 10).then_some(*v)).await, Some(10));
        assert_eq!(map.find_map(|v| (*v == 3).then_some(*v)).await, None);
    }
}
