import type { Command } from 'commander';
import { UsageError } from '../exit-codes.js';
import { type CommandContext, note, printJson } from '../output.js';
import { intOption, positiveNumberOption } from '../parse.js';

interface TrainFlags {
  manifest: string;
  features: string;
  model: string;
  task: string;
  out: string;
  folds: number;
  epochs: number;
  seed: number;
  lr?: number;
  weightDecay?: number;
  optimizer?: string;
  schedule?: string;
  clipNorm?: number;
  dropout?: number;
  threads?: number;
  balance?: boolean;
  balancedSampling?: boolean;
  maxPatches?: number;
  topK?: number;
  hidden?: number;
  bootstrap?: number;
  resume?: boolean;
  json?: boolean;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got '${value}'`);
  }
  return value as T;
}

/**
 * `wsi train` and `wsi predict` (shapes relied on; docs/cli.md).
 *
 * @example
 * ```sh
 * wsi train --manifest cohort.csv --features out/features_resnet50 --model abmil --task binary --out runs/abmil --folds 5
 * wsi train --manifest biopsies.csv --features feats --model biopsy-transformer --task ordinal --folds 5 --top-k 3 --out runs/bt
 * wsi predict --model runs/abmil --manifest test.csv --features out/features_resnet50 --out preds.csv --attention out/scores
 * ```
 */
export function registerMil(program: Command, ctx: CommandContext): void {
  program
    .command('train')
    .description('train an attention MIL model on feature files listed in a manifest (k-fold cross-validation)')
    .requiredOption('--manifest <csv>', 'manifest with slide, label (and bag_id, case_id, fold)')
    .requiredOption('--features <dir>', 'folder of <name>.h5 feature files')
    .option('--model <name>', 'abmil | clam-sb | biopsy-transformer', 'abmil')
    .requiredOption('--task <task>', 'binary | multiclass | ordinal | regression')
    .requiredOption(
      '--out <dir>',
      'output folder: model.onnx (or fold-<k>/model.onnx), metrics.json, oof_predictions.csv, ensemble.json',
    )
    .option(
      '--folds <k>',
      'cross-validation folds, stratified by label and grouped by case_id (1 = train on all bags)',
      intOption('--folds', { min: 1 }),
      1,
    )
    .option('--epochs <e>', 'epochs', intOption('--epochs', { min: 1 }), 20)
    .option('--seed <s>', 'random seed', intOption('--seed', { min: 0 }), 1)
    .option('--lr <lr>', 'learning rate (default 2e-4)', positiveNumberOption('--lr'))
    .option('--weight-decay <wd>', 'weight decay (default 1e-5)', positiveNumberOption('--weight-decay'))
    .option('--optimizer <name>', 'adam | adamw')
    .option('--schedule <name>', 'constant | cosine | step')
    .option('--clip-norm <n>', 'gradient clipping norm', positiveNumberOption('--clip-norm'))
    .option('--dropout <p>', 'dropout probability (default 0.25)', Number)
    .option('--threads <n>', 'onnxruntime intra-op threads', intOption('--threads', { min: 1 }))
    .option('--balance', 'weight bags by inverse class frequency')
    .option('--balanced-sampling', 'class-balanced resampling of the training bags each epoch')
    .option(
      '--max-patches <n>',
      'cap patches per bag and epoch by seeded random subsampling (default 15000)',
      intOption('--max-patches', { min: 1 }),
    )
    .option(
      '--top-k <k>',
      'ensemble the k epochs with the lowest training loss per fold (default 1: the final model)',
      intOption('--top-k', { min: 1 }),
    )
    .option('--hidden <h>', 'hidden size (default 512; biopsy-transformer 256)', intOption('--hidden', { min: 1 }))
    .option(
      '--bootstrap <b>',
      'bootstrap resamples for the 95% CIs (default 1000)',
      intOption('--bootstrap', { min: 1 }),
    )
    .option('--resume', 'continue from the checkpoints in --out')
    .option('--json', 'print metrics.json to stdout')
    .action(async (o: TrainFlags) => {
      const model = oneOf('--model', o.model, ['abmil', 'clam-sb', 'biopsy-transformer'] as const) ?? 'abmil';
      const task = oneOf('--task', o.task, ['binary', 'multiclass', 'ordinal', 'regression'] as const) as
        | 'binary'
        | 'multiclass'
        | 'ordinal'
        | 'regression';
      if (o.topK !== undefined && o.topK > o.epochs)
        throw new UsageError(`--top-k ${o.topK} exceeds --epochs ${o.epochs}`);
      const optimizer = oneOf('--optimizer', o.optimizer, ['adam', 'adamw'] as const);
      const schedule = oneOf('--schedule', o.schedule, ['constant', 'cosine', 'step'] as const);
      if (o.dropout !== undefined && !(o.dropout >= 0 && o.dropout < 1)) {
        throw new UsageError(`--dropout must be in [0, 1), got '${o.dropout}'`);
      }
      const { trainFromManifest } = await import('@wsi/mil');
      const json = o.json || ctx.globals().json;
      const r = await trainFromManifest({
        manifest: o.manifest,
        features: o.features,
        out: o.out,
        model,
        task,
        folds: o.folds,
        epochs: o.epochs,
        seed: o.seed,
        ...(o.lr !== undefined ? { lr: o.lr } : {}),
        ...(o.weightDecay !== undefined ? { weightDecay: o.weightDecay } : {}),
        ...(optimizer ? { optimizer } : {}),
        ...(schedule ? { schedule } : {}),
        ...(o.clipNorm !== undefined ? { clipNorm: o.clipNorm } : {}),
        ...(o.dropout !== undefined ? { dropout: o.dropout } : {}),
        ...(o.threads !== undefined ? { threads: o.threads } : {}),
        ...(o.balance ? { balance: true } : {}),
        ...(o.balancedSampling ? { balancedSampling: true } : {}),
        ...(o.maxPatches !== undefined ? { maxPatches: o.maxPatches } : {}),
        ...(o.topK !== undefined ? { topK: o.topK } : {}),
        ...(o.hidden !== undefined ? { hidden: o.hidden } : {}),
        ...(o.bootstrap !== undefined ? { bootstrap: o.bootstrap } : {}),
        ...(o.resume ? { resume: true } : {}),
        log: (line) => note(line),
      });
      const summary = {
        task: r.task,
        model: r.model,
        classes: r.classes,
        folds: r.folds,
        mean: r.mean,
        sd: r.sd,
        pooled: r.pooled.metrics,
        ci95: r.pooled.ci95,
        ...(r.ensemble ? { ensemble: { folds: r.ensemble.folds, pooled: r.ensemble.pooled.metrics } } : {}),
      };
      if (json) printJson(summary);
      else {
        const keys = ['auc', 'accuracy', 'balanced_accuracy', 'kappa', 'mse', 'c_index'];
        const m = Object.entries(r.mean)
          .filter(([k]) => keys.includes(k))
          .map(([k, v]) => `${k} ${v.toFixed(4)}${r.sd[k] !== undefined ? ` ± ${(r.sd[k] as number).toFixed(4)}` : ''}`)
          .join(', ');
        note(`trained ${r.folds.length} fold(s) → ${o.out}: ${m}`);
      }
    });

  program
    .command('predict')
    .description(
      'predict bags of a manifest with a trained MIL model (a run folder: its ensemble.json members, averaged)',
    )
    .requiredOption('--model <dir|file>', 'a model.onnx, or a `wsi train` output folder')
    .requiredOption('--manifest <csv>', 'manifest of the slides/bags to predict')
    .requiredOption('--features <dir>', 'folder of <name>.h5 feature files')
    .requiredOption('--out <csv>', 'predictions CSV: bag_id,pred,prob_0..prob_{C-1} (regression: bag_id,pred,value)')
    .option('--metrics <json>', 'with labels in the manifest: metrics of the ensemble and of each member model')
    .option('--attention <dir>', 'also write <name>.scores.csv (x,y,score) per slide; needs coords in the features')
    .option('--threads <n>', 'onnxruntime intra-op threads', intOption('--threads', { min: 1 }))
    .option('--json', 'machine-readable summary')
    .action(
      async (o: {
        model: string;
        manifest: string;
        features: string;
        out: string;
        attention?: string;
        metrics?: string;
        threads?: number;
        json?: boolean;
      }) => {
        const { predictFromManifest } = await import('@wsi/mil');
        const r = await predictFromManifest({
          model: o.model,
          manifest: o.manifest,
          features: o.features,
          out: o.out,
          ...(o.attention ? { attention: o.attention } : {}),
          ...(o.metrics ? { metrics: o.metrics } : {}),
          ...(o.threads !== undefined ? { threads: o.threads } : {}),
        });
        if (o.json || ctx.globals().json) printJson({ out: o.out, ...r });
        else {
          const e = r.metrics?.ensemble;
          const scored = e ? `; auc ${e.auc.toFixed(4)}, kappa ${e.kappa.toFixed(4)}` : '';
          note(`wrote ${o.out} (${r.bags} bags, ${r.models.length} model(s)${scored})`);
        }
      },
    );
}
