/// Adds up a range.
///
/// # Computation
///
/// Returns a [`ComputationHandle`](strand_au::ComputationHandle) at once; the body runs on a new thread and its record is kept in the default file-system store.
/// `wait()` returns the function's value.
/// The module [`sum_to`](mod@sum_to) gives its store, backend and handles from keys.
pub fn sum_to(n: u64) -> ::strand_au::ComputationHandle<u64> {
    let mut __strand_args = ::strand_au::__private::Args::with_capacity(1usize);
    ::strand_au::__private::Args::push::<u64>(&mut __strand_args, &n);
    ::strand_au::__private::launch::<u64>(__strand_computation_sum_to(), &__strand_args)
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
type __StrandValue_sum_to = u64;
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_computation_sum_to() -> &'static ::strand_au::__private::Computation {
    #[allow(
        non_snake_case,
        clippy::missing_const_for_fn,
        clippy::needless_pass_by_value
    )]
    fn __strand_body_sum_to(n: u64) -> u64 {
        (1..=n).sum()
    }
    fn __strand_run(
        __strand_input: ::strand_au::__private::Value,
    ) -> ::core::result::Result<
        ::strand_au::__private::Value,
        ::strand_au::__private::ComputationFailure,
    > {
        let mut __strand_decoder = ::strand_au::__private::Decoder::new(
            __strand_input,
            1usize,
        )?;
        let __strand_outcome = __strand_body_sum_to(
            ::strand_au::__private::Decoder::next::<u64>(&mut __strand_decoder)?,
        );
        ::strand_au::__private::encode_result::<u64>(&__strand_outcome)
    }
    ::strand_au::__private::inventory::submit! {
        ::strand_au::__private::Registration { name :
        ::core::concat!(::core::module_path!(), "::", "sum_to"), origin :
        ::core::concat!(::core::module_path!(), "::", "sum_to"), runner : __strand_run, }
    }
    static __STRAND_COMPUTATION: ::strand_au::__private::LazyLock<
        ::strand_au::__private::Computation,
    > = ::strand_au::__private::LazyLock::new(|| {
        ::strand_au::__private::install_linked();
        let __strand_computation = ::strand_au::__private::Computation::new(
            ::core::concat!(::core::module_path!(), "::", "sum_to"),
            ::strand_au::__private::Runner::from(
                __strand_run as ::strand_au::__private::RunnerFn,
            ),
        );
        __strand_computation
    });
    &__STRAND_COMPUTATION
}
/// The infrastructure of the [`sum_to`](fn@sum_to) computation: its store, backend, registered name, and typed handles from keys.
#[allow(dead_code)]
pub mod sum_to {
    #[allow(unused_imports)]
    use super::*;
    /// The computation (registered name, runner, store, backend, middleware, TTL) that
    /// The function [`sum_to`](fn@super::sum_to) launches.
    #[must_use]
    pub fn computation() -> &'static ::strand_au::Computation {
        super::__strand_computation_sum_to()
    }
    /// The name the function is registered under.
    #[must_use]
    pub fn name() -> &'static str {
        computation().name()
    }
    /// The store where the records of this function live.
    #[must_use]
    pub fn store() -> ::std::sync::Arc<dyn ::strand_au::ComputationStore> {
        computation().get_store()
    }
    /// The backend this function's computations run on.
    #[must_use]
    pub fn backend() -> ::std::sync::Arc<dyn ::strand_au::ComputationBackend> {
        computation().get_backend()
    }
    /// Deletes the expired records of this function's store; how many.
    ///
    /// # Errors
    ///
    /// When the store cannot be listed.
    pub fn cleanup_expired() -> ::core::result::Result<usize, ::strand_au::StoreError> {
        computation().cleanup_expired()
    }
    /// A typed handle on the record `key` of this function's store
    /// (e.g. from a key sent to a client).
    #[must_use]
    pub fn handle(
        key: ::strand_au::Key,
    ) -> ::strand_au::ComputationHandle<super::__StrandValue_sum_to> {
        computation().handle(key)
    }
}
