import { parseForecastInput } from './forecastInput.ts';
import { type Forecasts, forecast } from './forecasting.ts';
import {
  InvocationError,
  JSON_TYPE,
  type MediaType,
  requestMediaType,
  responseMediaType,
} from './invocationError.ts';
import type { ServingModel } from './servingModel.ts';

/** A model behind a variant name; `weight` is its share of unrouted traffic. */
export interface ServedVariant {
  readonly name: string;
  readonly weight: number;
  readonly model: ServingModel;
}

export interface InvocationRequest {
  readonly body: string;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
}

export interface InvocationResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** The fault behind a 5xx, for the server's log; the body carries only its message. */
  readonly cause?: Error;
}

/**
 * One invocation against one variant, as the endpoint and Batch Transform run it: content
 * negotiation (415, 406), parsing (400), forecasting, formatting in the accepted type. Never
 * throws: a refused request is its 4xx response, a fault a 500 with the cause attached.
 */
export async function invoke(
  variant: ServedVariant,
  request: InvocationRequest,
): Promise<InvocationResponse> {
  try {
    const type = requestMediaType(request.contentType);
    const accept = responseMediaType(request.accept, type);
    const forecasts = await forecast(variant.model, parseForecastInput(request.body, type));
    return { status: 200, contentType: accept, body: formatForecasts(forecasts, variant, accept) };
  } catch (error) {
    if (error instanceof InvocationError) return errorResponse(error.status, error.message);
    const cause = error instanceof Error ? error : new Error(String(error));
    return { ...errorResponse(500, `forecast failed: ${cause.message}`), cause };
  }
}

/** Errors are JSON whatever was accepted: `{"error": "<what to fix>"}`. */
export function errorResponse(status: number, message: string): InvocationResponse {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify({ error: message })}\n` };
}

/**
 * JSON: `{model, version, variant, forecasts: [...]}`. CSV: price-layout requests get a header
 * and one line per forecast; window requests get one headerless line per window, so Batch
 * Transform can reassemble split records line by line. Each CSV line names model, version and
 * variant, since a batch output file has no response headers to carry them.
 */
export function formatForecasts(
  forecasts: Forecasts,
  variant: ServedVariant,
  type: MediaType,
): string {
  const { name, version } = variant.model;
  if (type === JSON_TYPE) {
    return `${JSON.stringify({ model: name, version, variant: variant.name, forecasts: forecasts.forecasts })}\n`;
  }
  const tail = `${csvCell(name)},${version ?? ''},${csvCell(variant.name)}`;
  if (forecasts.kind === 'windows') {
    return forecasts.forecasts.map((f) => `${f.predicted_log_return},${tail}\n`).join('');
  }
  const header =
    'date,target_date,avg_price,predicted_log_return,predicted_avg_price,model,version,variant\n';
  return (
    header +
    forecasts.forecasts
      .map(
        (f) =>
          `${f.date},${f.target_date ?? ''},${f.avg_price},${f.predicted_log_return},${f.predicted_avg_price},${tail}\n`,
      )
      .join('')
  );
}

/** Variant and model names are plain identifiers; quote anything else rather than break a line. */
function csvCell(text: string): string {
  return /^[\w.-]*$/.test(text) ? text : `"${text.replaceAll('"', '""')}"`;
}
