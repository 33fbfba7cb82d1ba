//! The entry a store-backed function adds to strand's one registry (a
//! link-time table, readable before `main`), shared by `#[async_compute]`
//! and `#[as_task(store)]`: what a worker runs for the registered name, in
//! its own process or in a child of it.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

// Input:  name "jobs::resize", plain `resize`, run `__strand_run_resize`
// Output: #[cfg(unix)] fn __strand_process_resize(input: ChildInput<'_>) -> Reply {
//             serve_in_child(input, __strand_run_resize)
//         }
//         #[cfg(unix)] static __STRAND_RUNNER_resize: RunnerFn = __strand_run_resize;
//         #[cfg(unix)] #[distributed_slice(PROCESS_FUNCTIONS)]
//         static __STRAND_PROCESS_ENTRY_resize: ProcessEntry =
//             ProcessEntry::with_local("jobs::resize", origin, __strand_process_resize,
//                                      &__STRAND_RUNNER_resize);
/// The registry entry of the runner `run` under `name`. `au` is the path
/// of strand-au's hidden items (`serve_in_child`, `RunnerFn`, and strand
/// itself as `strand`); `plain` is the function's name without `r#`.
pub(crate) fn registry_entry(
    au: &TokenStream,
    name: &TokenStream,
    plain: &str,
    run: &Ident,
) -> TokenStream {
    let strand = quote!(#au::strand::__private);
    let process = format_ident!("__strand_process_{}", plain);
    let runner = format_ident!("__STRAND_RUNNER_{}", plain);
    let entry = format_ident!("__STRAND_PROCESS_ENTRY_{}", plain);
    let origin = quote!(::core::concat!(::core::module_path!(), "::", #plain));
    quote! {
        #[cfg(unix)]
        #[doc(hidden)]
        #[allow(non_snake_case)]
        fn #process(
            __strand_input: #strand::ChildInput<'_>,
        ) -> #strand::Reply {
            #au::serve_in_child(__strand_input, #run)
        }
        #[cfg(unix)]
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        static #runner: #au::RunnerFn = #run;
        #[cfg(unix)]
        #[#strand::linkme::distributed_slice(#strand::PROCESS_FUNCTIONS)]
        #[linkme(crate = #strand::linkme)]
        #[allow(non_upper_case_globals)]
        static #entry: #strand::ProcessEntry =
            #strand::ProcessEntry::with_local(#name, #origin, #process, &#runner);
    }
}
