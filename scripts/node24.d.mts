export declare const NODE_MAJOR: number;
export declare const PROJECT_NODE: string;
export declare function ensureNode24(): Promise<void>;
