/** PERSISTED_DOCUMENTS, ONLY_PERSISTED_DOCUMENTS and OTEL_EXPORTER_OTLP_ENDPOINT, read and checked. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('loadConfig: persisted documents and traces', () => {
  it('has neither by default', () => {
    expect(loadConfig({})).toMatchObject({ persistedDocuments: undefined, tracing: undefined });
  });

  it('reads the manifest path, and whether only its documents run', () => {
    expect(loadConfig({ PERSISTED_DOCUMENTS: 'docs.json' }).persistedDocuments).toEqual({
      manifest: 'docs.json',
      only: false,
    });
    expect(
      loadConfig({ PERSISTED_DOCUMENTS: 'docs.json', ONLY_PERSISTED_DOCUMENTS: 'true' }).persistedDocuments,
    ).toEqual({
      manifest: 'docs.json',
      only: true,
    });
  });

  it('refuses ONLY_PERSISTED_DOCUMENTS without a manifest, or with a value that is not true or false', () => {
    expect(() => loadConfig({ ONLY_PERSISTED_DOCUMENTS: 'true' })).toThrow(/needs PERSISTED_DOCUMENTS/);
    expect(() => loadConfig({ PERSISTED_DOCUMENTS: 'docs.json', ONLY_PERSISTED_DOCUMENTS: 'yes' })).toThrow(
      /must be true or false/,
    );
  });

  it('reads the OTLP endpoint and the service name', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({
      endpoint: 'http://collector:4318',
      serviceName: 'x-dm-graphql-gateway',
    });
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'dm' }).tracing
        ?.serviceName,
    ).toBe('dm');
  });

  it('refuses an OTLP endpoint that is not an http(s) URL', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317x' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT must be/,
    );
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' })).toThrow(/http or https/);
  });
});
