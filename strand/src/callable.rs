//! [`Callable`]: a function that takes its arguments as one tuple, what
//! every runner wraps (the `thread`, `pool`, `sync` and `process` runners,
//! and the `coroutine` one).

/// A function that takes its arguments as one tuple: implemented for every
/// `Fn(A, B, ...) -> R` of up to 12 arguments, with `Args = (A, B, ...)`.
///
/// # Examples
///
/// ```
/// use strand::runner::Callable;
///
/// fn add(a: u32, b: u32) -> u32 { a + b }
/// assert_eq!(add.call_with((2, 3)), 5);
/// ```
pub trait Callable<Args> {
    /// What the function returns.
    type Output;
    /// Calls the function with the tuple's elements as arguments.
    fn call_with(&self, args: Args) -> Self::Output;
}

macro_rules! impl_callable {
    ($($arg:ident),*) => {
        impl<Func, Ret, $($arg,)*> Callable<($($arg,)*)> for Func
        where
            Func: Fn($($arg),*) -> Ret,
        {
            type Output = Ret;
            #[allow(non_snake_case)]
            fn call_with(&self, ($($arg,)*): ($($arg,)*)) -> Ret {
                self($($arg),*)
            }
        }
    };
}

impl_callable!();
impl_callable!(A1);
impl_callable!(A1, A2);
impl_callable!(A1, A2, A3);
impl_callable!(A1, A2, A3, A4);
impl_callable!(A1, A2, A3, A4, A5);
impl_callable!(A1, A2, A3, A4, A5, A6);
impl_callable!(A1, A2, A3, A4, A5, A6, A7);
impl_callable!(A1, A2, A3, A4, A5, A6, A7, A8);
impl_callable!(A1, A2, A3, A4, A5, A6, A7, A8, A9);
impl_callable!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10);
impl_callable!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11);
impl_callable!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12);
