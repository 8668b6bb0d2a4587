import { Anchor, Box, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import 'swagger-ui-dist/swagger-ui.css';
import './DocsPage.css';

/** Renders the server's own OpenAPI document with the bundled Swagger UI (nothing is fetched from elsewhere). */
export default function DocsPage() {
  const el = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    import('swagger-ui-dist/swagger-ui-es-bundle.js')
      .then(({ default: SwaggerUIBundle }) => {
        if (cancelled || !el.current) return;
        SwaggerUIBundle({
          domNode: el.current,
          url: '/api/openapi.json',
          validatorUrl: null, // never call the public validator
          deepLinking: false,
          docExpansion: 'list',
          defaultModelsExpandDepth: 0,
          withCredentials: true,
          // The document names one server, this one, so the viewer's server picker
          // offers no choice; it is also an unlabelled select, which screen readers
          // announce without a name.
          plugins: [() => ({ wrapComponents: { ServersContainer: () => () => null } })],
        });
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    return () => {
      cancelled = true;
    };
  }, []);

  return (
    <Stack>
      <Title order={1}>API reference</Title>
      <Text size="sm">
        Rendered from <Anchor href="/api/openapi.json">/api/openapi.json</Anchor>. “Try it out” sends requests with your
        current session.
      </Text>
      {error && <Text c="red">Could not load the reference viewer: {error}</Text>}
      <Box ref={el} style={{ background: 'white' }} />
    </Stack>
  );
}
