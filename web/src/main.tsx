import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import { createTheme, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError } from './api/client.ts';
import { router } from './app/router.tsx';

const theme = createTheme({
  primaryColor: 'indigo',
  fontFamily: 'Inter, "Segoe UI", system-ui, -apple-system, sans-serif',
  defaultRadius: 'md',
  headings: { fontFamily: 'Inter, "Segoe UI", system-ui, -apple-system, sans-serif' },
});

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // a 4xx will not fix itself by asking again
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light">
      {/* bottom right: at the top they covered the account menu */}
      <Notifications position="bottom-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
