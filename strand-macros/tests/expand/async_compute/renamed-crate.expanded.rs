fn tick() -> au::ComputationHandle<Result<(), ()>> {
    let mut __strand_args = au::__private::Args::with_capacity(0usize);
    au::__private::launch::<Result<(), ()>>(__strand_computation_tick(), &__strand_args)
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
type __StrandValue_tick = Result<(), ()>;
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_computation_tick() -> &'static au::__private::Computation {
    #[allow(
        non_snake_case,
        clippy::missing_const_for_fn,
        clippy::needless_pass_by_value
    )]
    fn __strand_body_tick() -> Result<(), ()> {
        Ok(())
    }
    fn __strand_run(
        __strand_input: au::__private::Value,
    ) -> ::core::result::Result<
        au::__private::Value,
        au::__private::ComputationFailure,
    > {
        #[allow(unused_mut, unused_variables)]
        let mut __strand_decoder = au::__private::Decoder::new(__strand_input, 0usize)?;
        let __strand_outcome = __strand_body_tick();
        au::__private::encode_result::<Result<(), ()>>(&__strand_outcome)
    }
    au::__private::inventory::submit! {
        au::__private::Registration { name : ::core::concat!(::core::module_path!(),
        "::", "tick"), origin : ::core::concat!(::core::module_path!(), "::", "tick"),
        runner : __strand_run, }
    }
    static __STRAND_COMPUTATION: au::__private::LazyLock<au::__private::Computation> = au::__private::LazyLock::new(||
    {
        au::__private::install_linked();
        let __strand_computation = au::__private::Computation::new(
            ::core::concat!(::core::module_path!(), "::", "tick"),
            au::__private::Runner::from(__strand_run as au::__private::RunnerFn),
        );
        __strand_computation
    });
    &__STRAND_COMPUTATION
}
/// The infrastructure of the [`tick`](fn@tick) computation: its store, backend, registered name, and typed handles from keys.
#[allow(dead_code)]
mod tick {
    #[allow(unused_imports)]
    use super::*;
    /// The computation (registered name, runner, store, backend, middleware, TTL) that
    /// The function [`tick`](fn@super::tick) launches.
    #[must_use]
    pub(super) fn computation() -> &'static au::Computation {
        super::__strand_computation_tick()
    }
    /// The name the function is registered under.
    #[must_use]
    pub(super) fn name() -> &'static str {
        computation().name()
    }
    /// The store where the records of this function live.
    #[must_use]
    pub(super) fn store() -> ::std::sync::Arc<dyn au::ComputationStore> {
        computation().get_store()
    }
    /// The backend this function's computations run on.
    #[must_use]
    pub(super) fn backend() -> ::std::sync::Arc<dyn au::ComputationBackend> {
        computation().get_backend()
    }
    /// Deletes the expired records of this function's store; how many.
    ///
    /// # Errors
    ///
    /// When the store cannot be listed.
    pub(super) fn cleanup_expired() -> ::core::result::Result<usize, au::StoreError> {
        computation().cleanup_expired()
    }
    /// A typed handle on the record `key` of this function's store
    /// (e.g. from a key sent to a client).
    #[must_use]
    pub(super) fn handle(
        key: au::Key,
    ) -> au::ComputationHandle<super::__StrandValue_tick> {
        computation().handle(key)
    }
}
