//! The function item a task attribute rewrites, and what its written form
//! tells about it: arguments, borrowed types, `impl Trait`, `Result`, `Self`.
//!
//! The body stays an unparsed `TokenStream` (tokio's and tracing's
//! `MaybeItemFn`); it is only scanned for `Self`.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned as _;
use syn::visit::Visit;
use syn::{Attribute, FnArg, GenericParam, Pat, ReturnType, Signature, Type, Visibility};

use crate::error::Errors;

/// A function item: `#(#attrs)* #vis #sig #body`.
pub(crate) struct TaskFn {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    /// The `{ ... }` group, unparsed.
    pub(crate) body: TokenStream,
    /// The span of the body's braces: the wrapper's body reuses it, so the
    /// wrapper's item span stays in user code (rustc skips `dead_code` for
    /// items whose span comes from a macro).
    pub(crate) body_span: Span,
    /// The typed arguments, in order (receivers are rejected by `check_supported`).
    pub(crate) args: Vec<TaskArg>,
}

/// One argument of the function.
pub(crate) struct TaskArg {
    /// The type as written.
    pub(crate) ty: Type,
    /// The name the rewritten function gives the argument: the user's own
    /// identifier for a plain `x` or `mut x`, otherwise `__argN` at the
    /// mixed site.
    pub(crate) binding: Ident,
}

impl Parse for TaskFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse()?;
        let body: TokenStream = input.parse()?;
        let mut tokens = body.clone().into_iter();
        let body_span = match (tokens.next(), tokens.next()) {
            (Some(TokenTree::Group(g)), None) if g.delimiter() == proc_macro2::Delimiter::Brace => {
                g.span()
            }
            (Some(first), _) => {
                return Err(syn::Error::new(
                    first.span(),
                    "`#[as_task]` needs a function with a body",
                ));
            }
            (None, _) => {
                return Err(syn::Error::new(
                    sig.span(),
                    "`#[as_task]` needs a function with a body",
                ));
            }
        };
        let args = sig
            .inputs
            .iter()
            .enumerate()
            .filter_map(|(i, arg)| match arg {
                FnArg::Typed(pt) => Some(TaskArg {
                    ty: (*pt.ty).clone(),
                    binding: binding(&pt.pat, i),
                }),
                FnArg::Receiver(_) => None,
            })
            .collect();
        Ok(TaskFn {
            attrs,
            vis,
            sig,
            body,
            body_span,
            args,
        })
    }
}

impl TaskFn {
    /// Parses a function item, or says that the attribute needs one.
    pub(crate) fn from_tokens(item: TokenStream) -> syn::Result<Self> {
        let first_span = item
            .clone()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |t| t.span());
        syn::parse2(item).map_err(|err| {
            if err.to_string().contains("expected `fn`") {
                syn::Error::new(
                    first_span,
                    "`#[as_task]` applies to functions; put it on a `fn` item",
                )
            } else {
                err
            }
        })
    }

    /// Rejects the forms of function that no target can rewrite yet,
    /// each at its own token. `target` names the chosen target for messages.
    pub(crate) fn check_supported(&self, target: &str, errs: &mut Errors) {
        let runs_futures = target == "coroutine";
        let sig = &self.sig;
        if let Some(constness) = &sig.constness {
            errs.spanned(
                constness,
                "`#[as_task]` cannot apply to a `const fn`: starting a task is not a constant operation; remove `const`",
            );
        }
        if let Some(unsafety) = self.unsafety().filter(|_| target != "sync") {
            errs.spanned(unsafety, unsafe_fn_message(target, sig.asyncness.is_some()));
        }
        if let Some(asyncness) = sig.asyncness.as_ref().filter(|_| !runs_futures) {
            let message = if target == "store" {
                "the `store` target cannot run an `async fn`: a worker process takes the task from the store and runs its body on one of its threads; remove `async` (the body may block on a future with a runtime of its own)".to_owned()
            } else {
                format!(
                    "the `{target}` target cannot run an `async fn`; use `#[as_task(coroutine)]` to run it on tokio, or remove `async`"
                )
            };
            errs.spanned(asyncness, message);
        }
        if let Some(abi) = &sig.abi {
            errs.spanned(
                abi,
                "`#[as_task]` functions cannot have an explicit ABI; remove it, and call the task from a separate `extern` fn if foreign code must start it",
            );
        }
        if let Some(variadic) = &sig.variadic {
            errs.spanned(
                variadic,
                "`#[as_task]` functions cannot be variadic; take a `Vec` of the arguments instead",
            );
        }
        for arg in &sig.inputs {
            match arg {
                FnArg::Receiver(receiver) => errs.spanned(
                    receiver,
                    "methods with a `self` receiver are not supported; make it an associated function taking the value as an argument, or call a free function",
                ),
                FnArg::Typed(pt) => {
                    if let Some(attr) = pt.attrs.first() {
                        errs.spanned(
                            attr,
                            "`#[as_task]` does not support attributes on arguments; remove this attribute",
                        );
                    }
                }
            }
        }
        if !errs.is_empty() {
            return;
        }
        if let Some(span) =
            self_token(sig.to_token_stream()).or_else(|| body_self_token(&self.body))
        {
            errs.at(
                span,
                "`#[as_task]` on an associated function that uses `Self` is not supported yet; write the type's name instead of `Self`",
            );
        }
    }

    /// The `unsafe` token of an `unsafe fn`.
    pub(crate) fn unsafety(&self) -> Option<&syn::Token![unsafe]> {
        match &self.sig.safety {
            syn::Safety::Unsafe(token) => Some(token),
            _ => None,
        }
    }

    /// The return type as written, `()` when there is none.
    pub(crate) fn return_type(&self) -> Option<&Type> {
        match &self.sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => Some(ty),
        }
    }

    /// The type and const generic parameters, to name the hidden body fn
    /// with a turbofish (lifetimes are never passed).
    pub(crate) fn turbofish(&self) -> TokenStream {
        let params: Vec<&Ident> = self
            .sig
            .generics
            .params
            .iter()
            .filter_map(|p| match p {
                GenericParam::Type(t) => Some(&t.ident),
                GenericParam::Const(c) => Some(&c.ident),
                GenericParam::Lifetime(_) => None,
            })
            .collect();
        if params.is_empty() {
            TokenStream::new()
        } else {
            quote::quote!(::<#(#params),*>)
        }
    }

    /// The first type parameter of the function, if any.
    pub(crate) fn first_type_param(&self) -> Option<&Ident> {
        self.sig.generics.params.iter().find_map(|p| match p {
            GenericParam::Type(t) => Some(&t.ident),
            _ => None,
        })
    }

    /// Whether an argument's type mentions one of the function's type
    /// parameters or `impl Trait`: such a type may borrow, though it does not
    /// show it.
    pub(crate) fn has_generic_args(&self) -> bool {
        let params: Vec<&Ident> = self
            .sig
            .generics
            .params
            .iter()
            .filter_map(|p| match p {
                GenericParam::Type(t) => Some(&t.ident),
                _ => None,
            })
            .collect();
        self.args
            .iter()
            .any(|arg| contains_impl(&arg.ty) || mentions(arg.ty.to_token_stream(), &params))
    }

    /// The `#[allow(...)]` attributes the user put on the function.
    pub(crate) fn allow_attrs(&self) -> impl Iterator<Item = &Attribute> {
        self.attrs.iter().filter(|a| a.path().is_ident("allow"))
    }

    /// Whether the user wrote any documentation on the function.
    pub(crate) fn has_docs(&self) -> bool {
        self.attrs.iter().any(|a| a.path().is_ident("doc"))
    }
}

/// Why `#[as_task(target)]` refuses an `unsafe fn` (every target but
/// `sync`, whose body runs during the call, inside the caller's `unsafe`
/// block). A `process` or `store` task is registered by name, and safe code can run a
/// registered task with any argument values; the other targets return
/// before the body has finished, and the caller's safety contract ends with
/// the call. `sync` is suggested for a function it can run (not `async`).
fn unsafe_fn_message(target: &str, is_async: bool) -> String {
    if target == "process" || target == "store" {
        format!(
            "the `{target}` target cannot run an `unsafe fn`: it registers the function by name, and safe code can run it by that name with any argument values; make the function safe, with an `unsafe` block inside whose conditions it checks itself"
        )
    } else {
        format!(
            "the `{target}` target cannot run an `unsafe fn`: the call returns before the body has finished, so the caller's safety contract would not cover the body; make the function safe, with an `unsafe` block inside whose conditions it checks itself{}",
            if is_async {
                ""
            } else {
                ", or use `#[as_task(sync)]`"
            }
        )
    }
}

// Input:  `(a, b): (u32, u32)`, `mut x: T`, `_: T`, `x: T`
// Output: `__arg0`,             `x`,        `__arg2`, `x`
/// The name of an argument in the rewritten signature. A plain binding keeps
/// its name (without `mut`, which only matters inside the body); any other
/// pattern gets `__argN` (async-trait's `positional_arg`). The user's body
/// lives in its own nested fn, so it cannot see these names; they resolve at
/// the call site so that checks can name them with the user's spans.
fn binding(pat: &Pat, index: usize) -> Ident {
    match pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() && p.ident != "self" => {
            p.ident.clone()
        }
        _ => Ident::new(&format!("__arg{index}"), pat.span()),
    }
}

/// Whether `tokens` contain one of `idents`.
fn mentions(tokens: TokenStream, idents: &[&Ident]) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(ident) => idents.iter().any(|i| **i == ident),
        TokenTree::Group(group) => mentions(group.stream(), idents),
        _ => false,
    })
}

/// The first `Self` token in `tokens`.
fn self_token(tokens: TokenStream) -> Option<Span> {
    for tt in tokens {
        match tt {
            TokenTree::Ident(ident) if ident == "Self" => return Some(ident.span()),
            TokenTree::Group(group) => {
                if let Some(span) = self_token(group.stream()) {
                    return Some(span);
                }
            }
            _ => {}
        }
    }
    None
}

/// The first `Self` in the body that refers to an enclosing impl: nested
/// items (an `impl` block inside the body) have a `Self` of their own.
fn body_self_token(body: &TokenStream) -> Option<Span> {
    let Ok(block) = syn::parse2::<syn::Block>(body.clone()) else {
        return self_token(body.clone());
    };
    struct FindSelf(Option<Span>);
    impl<'ast> Visit<'ast> for FindSelf {
        fn visit_ident(&mut self, ident: &'ast Ident) {
            if self.0.is_none() && ident == "Self" {
                self.0 = Some(ident.span());
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            self.visit_path(&mac.path);
            if self.0.is_none() {
                self.0 = self_token(mac.tokens.clone());
            }
        }
    }
    let mut finder = FindSelf(None);
    finder.visit_block(&block);
    finder.0
}

/// Whether `ty` contains `impl Trait`.
pub(crate) fn contains_impl(ty: &Type) -> bool {
    struct FindImpl(bool);
    impl<'ast> Visit<'ast> for FindImpl {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = FindImpl(false);
    finder.visit_type(ty);
    finder.0
}

/// The first place where `ty` borrows: a reference or a lifetime other than
/// `'static`. Higher-ranked lifetimes (`fn(&str)`, `dyn Fn(&str)`) do not
/// borrow.
pub(crate) fn borrow_in(ty: &Type) -> Option<Span> {
    struct FindBorrow(Option<Span>);
    impl<'ast> Visit<'ast> for FindBorrow {
        fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
            match &r.lifetime {
                Some(lt) if lt.ident == "static" => syn::visit::visit_type(self, &r.elem),
                _ => {
                    if self.0.is_none() {
                        self.0 = Some(r.and_token.span);
                    }
                }
            }
        }
        fn visit_lifetime(&mut self, lt: &'ast syn::Lifetime) {
            if self.0.is_none() && lt.ident != "static" {
                self.0 = Some(lt.span());
            }
        }
        fn visit_type_fn_ptr(&mut self, _: &'ast syn::TypeFnPtr) {}
        fn visit_parenthesized_generic_arguments(
            &mut self,
            _: &'ast syn::ParenthesizedGenericArguments,
        ) {
        }
        fn visit_bound_lifetimes(&mut self, _: &'ast syn::BoundLifetimes) {}
    }
    let mut finder = FindBorrow(None);
    finder.visit_type(ty);
    finder.0
}

/// What to take instead of a borrowed argument type, for the error message.
pub(crate) fn owned_suggestion(ty: &Type) -> String {
    let Type::Reference(r) = peel(ty) else {
        return "an owned type (`String` instead of `&str`, `Arc<T>` to share)".to_owned();
    };
    let elem = peel(&r.elem);
    let named = |name: &str| match elem {
        Type::Path(p) if p.qself.is_none() => {
            p.path.segments.last().is_some_and(|s| s.ident == name)
        }
        _ => false,
    };
    let text = type_text(elem);
    if named("str") {
        "`String` (or `Arc<str>`)".to_owned()
    } else if named("Path") {
        "`PathBuf`".to_owned()
    } else if named("OsStr") {
        "`OsString`".to_owned()
    } else if named("CStr") {
        "`CString`".to_owned()
    } else if let Type::Slice(s) = elem {
        let item = type_text(&s.elem);
        format!("`Vec<{item}>` (or `Arc<[{item}]>`)")
    } else if let Type::TraitObject(_) = elem {
        format!("`Box<{text}>` (or `Arc<{text}>`)")
    } else {
        format!("`{text}` (or `Arc<{text}>` to share it)")
    }
}

fn peel(ty: &Type) -> &Type {
    match ty {
        Type::Group(g) => peel(&g.elem),
        Type::Paren(p) => peel(&p.elem),
        other => other,
    }
}

/// How a return type reads as a `Result`, if it does.
pub(crate) enum ResultShape<'a> {
    /// Not a path ending in `Result`.
    NotResult,
    /// `Result<T, E>` with both arguments written.
    Explicit(&'a Type, &'a Type),
    /// `io::Result<T>`, `anyhow::Result<T>`, `Result`: the parts come from
    /// the `Fallible` trait.
    Alias,
}

/// Whether `ty` is written as a path ending in `Result`.
pub(crate) fn result_shape(ty: &Type) -> ResultShape<'_> {
    let Type::Path(p) = peel(ty) else {
        return ResultShape::NotResult;
    };
    let Some(last) = p.path.segments.last() else {
        return ResultShape::NotResult;
    };
    if p.qself.is_some() || last.ident != "Result" {
        return ResultShape::NotResult;
    }
    if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
        let types: Vec<&Type> = args
            .args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect();
        if let ([ok, err], 2) = (types.as_slice(), args.args.len()) {
            return ResultShape::Explicit(ok, err);
        }
    }
    ResultShape::Alias
}

/// Whether `ty` cannot be a `Result` whatever the user's aliases: a
/// non-path type, or a primitive or well-known std type by name.
pub(crate) fn certainly_not_result(ty: &Type) -> bool {
    const NOT_RESULT: &[&str] = &[
        "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32",
        "i64", "i128", "isize", "f32", "f64", "String", "Vec", "Option", "Box", "Arc", "Rc",
        "HashMap", "HashSet", "BTreeMap", "BTreeSet", "VecDeque", "PathBuf",
    ];
    match peel(ty) {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .is_some_and(|s| NOT_RESULT.iter().any(|n| s.ident == n)),
        Type::Path(_) | Type::Macro(_) | Type::Verbatim(_) => false,
        _ => true,
    }
}

/// A type as the user wrote it, for messages.
pub(crate) fn type_text(ty: &Type) -> String {
    let mut text = ty.to_token_stream().to_string();
    for (from, to) in [
        (" < ", "<"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        (" :: ", "::"),
        (":: ", "::"),
        ("& ", "&"),
        ("[ ", "["),
        (" ]", "]"),
        (" ;", ";"),
    ] {
        text = text.replace(from, to);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn borrows() {
        let borrowed: [Type; 5] = [
            parse_quote!(&str),
            parse_quote!(&'a [u8]),
            parse_quote!(Cow<'_, str>),
            parse_quote!(Vec<&'static &'a u8>),
            parse_quote!(Box<dyn Fn() + 'a>),
        ];
        for ty in &borrowed {
            assert!(borrow_in(ty).is_some(), "{}", type_text(ty));
        }
        let owned: [Type; 5] = [
            parse_quote!(String),
            parse_quote!(&'static str),
            parse_quote!(fn(&str) -> usize),
            parse_quote!(Box<dyn Fn(&str) + Send>),
            parse_quote!(Box<dyn for<'a> Fn(&'a str)>),
        ];
        for ty in &owned {
            assert!(borrow_in(ty).is_none(), "{}", type_text(ty));
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            owned_suggestion(&parse_quote!(&str)),
            "`String` (or `Arc<str>`)"
        );
        assert_eq!(
            owned_suggestion(&parse_quote!(&[u8])),
            "`Vec<u8>` (or `Arc<[u8]>`)"
        );
        assert_eq!(
            owned_suggestion(&parse_quote!(&mut Vec<u8>)),
            "`Vec<u8>` (or `Arc<Vec<u8>>` to share it)"
        );
    }

    #[test]
    fn results() {
        assert!(matches!(
            result_shape(&parse_quote!(Result<u8, E>)),
            ResultShape::Explicit(..)
        ));
        assert!(matches!(
            result_shape(&parse_quote!(io::Result<u8>)),
            ResultShape::Alias
        ));
        assert!(matches!(
            result_shape(&parse_quote!(Option<u8>)),
            ResultShape::NotResult
        ));
    }

    #[test]
    fn self_in_body() {
        let f: TaskFn = parse_quote!(
            fn f() -> u8 {
                Self::X
            }
        );
        assert!(body_self_token(&f.body).is_some());
        let g: TaskFn = parse_quote!(
            fn g() -> u8 {
                struct S;
                impl S {
                    fn n() -> Self {
                        S
                    }
                }
                1
            }
        );
        assert!(body_self_token(&g.body).is_none());
        let h: TaskFn = parse_quote!(
            fn h() {
                println!("{:?}", Self::X)
            }
        );
        assert!(body_self_token(&h.body).is_some());
    }
}
