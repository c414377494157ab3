package faultmatrix_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

// debugLogger logs everything, as text and as JSON, to buf.
func debugLogger(buf io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true}
	return slog.New(teeHandler{slog.NewTextHandler(buf, opts), slog.NewJSONHandler(buf, opts)})
}

type teeHandler [2]slog.Handler

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool { return true }
func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	return errors.Join(t[0].Handle(ctx, r.Clone()), t[1].Handle(ctx, r.Clone()))
}
func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{t[0].WithAttrs(as), t[1].WithAttrs(as)}
}
func (t teeHandler) WithGroup(g string) slog.Handler {
	return teeHandler{t[0].WithGroup(g), t[1].WithGroup(g)}
}
