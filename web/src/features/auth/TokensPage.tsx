import type { ApiTokenInfo, CreateTokenOutput } from "@parley/shared";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { ConfirmDialog, useConfirmedMutation } from "../../lib/ConfirmDialog.tsx";
import { Loaded } from "../../lib/Loaded.tsx";
import { useTRPC } from "../../trpc.ts";
import { formatDate, formatDateTime, isoDate } from "./dates.ts";
import { formErrors } from "./formErrors.ts";
import { SignedInOnly } from "./SignedInOnly.tsx";
import { TextField } from "./TextField.tsx";
import "../settings/forms.css";
import "./auth.css";

const EXPIRY_CHOICES = [
  { days: 0, label: "Never" },
  { days: 7, label: "In 7 days" },
  { days: 30, label: "In 30 days" },
  { days: 90, label: "In 90 days" },
  { days: 365, label: "In a year" },
];

/** /account/tokens: personal API tokens for scripts. A secret is shown once, when created. */
export default function TokensPage() {
  useEffect(() => {
    document.title = "API tokens · Parley";
  }, []);
  return (
    <div className="form-scroll">
      <div className="form-page">
        <h1>API tokens</h1>
        <p className="form-page-intro">
          Scripts use a token to call Parley's API as you: send it as{" "}
          <code>Authorization: Bearer &lt;token&gt;</code>. Revoke a token when a script no longer
          needs it.
        </p>
        <SignedInOnly what="your API tokens">{() => <Tokens />}</SignedInOnly>
      </div>
    </div>
  );
}

function Tokens() {
  // The secret lives only here, never in the query cache, and goes when it is dismissed.
  const [created, setCreated] = useState<CreateTokenOutput | null>(null);
  return (
    <>
      {created ? (
        <NewTokenSecret created={created} onDone={() => setCreated(null)} />
      ) : (
        <CreateTokenForm onCreated={setCreated} />
      )}
      <TokenList />
    </>
  );
}

function CreateTokenForm(props: { onCreated(created: CreateTokenOutput): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const headingId = useId();
  const expiryId = useId();
  const [name, setName] = useState("");
  const [expiresInDays, setExpiresInDays] = useState(0);
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      // Drop the answer (it holds the secret) from the mutation cache as soon as it is shown.
      gcTime: 0,
      onSuccess: async (created) => {
        props.onCreated(created);
        await queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
      },
    }),
  );
  const errors = formErrors(create.error);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (create.isPending) return;
    create.mutate({ name, ...(expiresInDays ? { expiresInDays } : {}) });
  };

  return (
    <section className="form-section" aria-labelledby={headingId}>
      <h2 id={headingId}>Create a token</h2>
      <form className="auth-form" onSubmit={submit} noValidate aria-labelledby={headingId}>
        {errors.form && (
          <p role="alert" className="form-alert">
            {errors.form}
          </p>
        )}
        <div className="form-row">
          <TextField
            label="Name"
            name="name"
            hint="What the token is for, e.g. “nightly export”."
            value={name}
            maxLength={100}
            onChange={(event) => setName(event.target.value)}
            error={errors.fields.name}
          />
          <div className="form-field">
            <label htmlFor={expiryId}>Expires</label>
            <select
              id={expiryId}
              value={expiresInDays}
              onChange={(event) => setExpiresInDays(Number(event.target.value))}
            >
              {EXPIRY_CHOICES.map((choice) => (
                <option key={choice.days} value={choice.days}>
                  {choice.label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="form-actions">
          <button type="submit" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create token"}
          </button>
        </div>
      </form>
    </section>
  );
}

function NewTokenSecret(props: { created: CreateTokenOutput; onDone(): void }) {
  const { created } = props;
  const headingId = useId();
  const secretId = useId();
  const warningId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const secretField = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<"idle" | "copied" | "failed">("idle");

  // The new secret is what matters now: move focus to it so it is read out.
  useEffect(() => heading.current?.focus(), []);

  const copySecret = async () => {
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopy("copied");
    } catch {
      // No clipboard permission: select the text so Ctrl+C copies it.
      secretField.current?.select();
      setCopy("failed");
    }
  };

  return (
    <section className="form-section token-secret" aria-labelledby={headingId}>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        Your new token “{created.token.name}”
      </h2>
      <p id={warningId} className="form-notice">
        <strong>Copy it now.</strong> This is the only time Parley shows this token; only a hash of
        it is kept. If you lose it, revoke it and create another.
      </p>
      <div className="form-field">
        <label htmlFor={secretId}>Token</label>
        <div className="token-secret-row">
          <input
            ref={secretField}
            id={secretId}
            className="token-secret-value"
            readOnly
            value={created.secret}
            aria-describedby={warningId}
            spellCheck={false}
            onFocus={(event) => event.target.select()}
          />
          <button type="button" onClick={copySecret}>
            Copy
          </button>
        </div>
        <p role="status" className="form-hint">
          {copy === "copied" && "Copied to the clipboard."}
          {copy === "failed" && "Could not copy: the token is selected, press Ctrl+C (⌘+C)."}
        </p>
      </div>
      <div className="form-actions">
        <button type="button" className="button-secondary" onClick={props.onDone}>
          I have copied it
        </button>
      </div>
    </section>
  );
}

function TokenList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const headingId = useId();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const revoke = useMutation(
    trpc.tokens.revoke.mutationOptions({
      onSuccess: () =>
        void queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() }),
    }),
  );
  const revoking = useConfirmedMutation(revoke, (token: ApiTokenInfo) => ({ id: token.id }));

  return (
    <section className="form-section" aria-labelledby={headingId}>
      <h2 id={headingId}>Your tokens</h2>
      <Loaded query={tokens} loading="Loading tokens…" failure="Could not load your tokens">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">You have no API tokens.</p>
          ) : (
            <ul className="section-list" aria-labelledby={headingId}>
              {list.map((token) => (
                <li key={token.id} className="section-item">
                  <TokenSummary token={token} />
                  <button
                    type="button"
                    className="button-secondary"
                    aria-label={`Revoke ${token.name}`}
                    onClick={() => revoking.ask(token)}
                  >
                    Revoke
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      <ConfirmDialog
        {...revoking.dialog}
        title={`Revoke “${revoking.target?.name ?? ""}”?`}
        confirmLabel="Revoke token"
      >
        <p>Scripts using this token will be refused from now on. This cannot be undone.</p>
      </ConfirmDialog>
    </section>
  );
}

function TokenSummary({ token }: { token: ApiTokenInfo }) {
  return (
    <div className="section-item-text">
      <p className="section-item-title">
        {token.name} <code className="token-prefix">{token.prefix}…</code>
      </p>
      <p className="form-hint">
        Created <time dateTime={isoDate(token.createdAt)}>{formatDate(token.createdAt)}</time>
        {" · "}
        {token.lastUsedAt ? (
          <>
            Last used{" "}
            <time dateTime={isoDate(token.lastUsedAt)}>{formatDateTime(token.lastUsedAt)}</time>
          </>
        ) : (
          "Never used"
        )}
        {" · "}
        {token.expiresAt ? (
          <>
            {token.expiresAt < new Date() ? "Expired" : "Expires"}{" "}
            <time dateTime={isoDate(token.expiresAt)}>{formatDate(token.expiresAt)}</time>
          </>
        ) : (
          "Never expires"
        )}
      </p>
    </div>
  );
}
